import { createServer, constants, type Http2Server, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import { frame, method } from './grpc-wire.js';
import { waitFor } from './poll.js';

/**
 * A bare gRPC AgentService over plaintext node:http2 on 127.0.0.1, for what a real
 * coordinator never sends on purpose: a `recover` request for a service the agent does not
 * declare, or one whose recovery is disabled (the real coordinator checks both before it
 * asks). It welcomes one agent, acks its heartbeats, records what the agent sends, and
 * sends requests on the open stream.
 */


export interface RequestResult {
  requestId: string;
  accepted: boolean;
  error: string;
  /** The refusal's stable word; '' when accepted. */
  refusal: string;
  detail: string;
}

export class BareCoordinator {
  /** Every AgentMessage received, decoded, in order. */
  readonly received: Record<string, unknown>[] = [];
  private stream: ServerHttp2Stream | undefined;
  private nextRequest = 1;
  private readonly sessions = new Set<Http2Session>();

  private constructor(
    private readonly server: Http2Server,
    readonly port: number,
  ) {}

  static async start(): Promise<BareCoordinator> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    const bare = new BareCoordinator(server, port);
    server.on('session', (session) => {
      bare.sessions.add(session);
      session.on('close', () => bare.sessions.delete(session));
      session.on('error', () => {});
    });
    server.on('stream', (stream, headers) => bare.onStream(stream, String(headers[constants.HTTP2_HEADER_PATH])));
    return bare;
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  private onStream(stream: ServerHttp2Stream, path: string): void {
    if (path !== '/vigil.v1.AgentService/Connect') {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(12), 'grpc-message': 'unimplemented' }));
      stream.end();
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    let pending = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        const len = pending.readUInt32BE(1);
        if (pending.length < 5 + len) break;
        const msg = method().requestDeserialize(pending.subarray(5, 5 + len));
        pending = pending.subarray(5 + len);
        this.onMessage(stream, msg);
      }
    });
    stream.on('error', () => {});
    stream.on('close', () => {
      if (this.stream === stream) this.stream = undefined;
    });
  }

  private onMessage(stream: ServerHttp2Stream, msg: Record<string, unknown>): void {
    this.received.push(msg);
    if (msg.hello) {
      const hello = msg.hello as { intervalMs: number };
      this.stream = stream;
      this.send({ welcome: { coordinatorId: 'bare', intervalMs: hello.intervalMs, lastSeq: 0, lastEventSeq: 0, capabilities: ['heartbeat.v1', 'events.v1', 'probes.v1', 'recover.v1'] } });
    } else if (msg.heartbeat) {
      this.send({ ack: { seq: (msg.heartbeat as { seq: number }).seq } });
    } else if (msg.event) {
      this.send({ eventAck: { eventSeq: (msg.event as { eventSeq: number }).eventSeq } });
    }
  }

  private send(msg: Record<string, unknown>): void {
    if (!this.stream) throw new Error('no agent connected');
    this.stream.write(frame(method().responseSerialize(msg)));
  }

  /** Resolves once an agent has said Hello and been welcomed. */
  async waitForAgent(timeoutMs = 10_000): Promise<{ hostId: string; services: { name: string; recoveryEnabled: boolean }[] }> {
    await waitFor(() => this.stream !== undefined, { timeoutMs, what: 'an agent to connect to the bare coordinator' });
    return this.received.find((m) => m.hello)!.hello as { hostId: string; services: { name: string; recoveryEnabled: boolean }[] };
  }

  /** Heartbeats received so far, decoded. */
  heartbeats(): Record<string, unknown>[] {
    return this.received.filter((m) => m.heartbeat).map((m) => m.heartbeat as Record<string, unknown>);
  }

  /** Agent events received so far, decoded. */
  events(): { eventSeq: number; service: string; type: string; step: string; detail: string; requestId: string }[] {
    return this.received.filter((m) => m.event).map((m) => m.event as { eventSeq: number; service: string; type: string; step: string; detail: string; requestId: string });
  }

  /** Sends `recover` for `service` and waits for the agent's RequestResult. */
  async recover(service: string, reason = 'asked by a test', timeoutMs = 5000): Promise<RequestResult> {
    const requestId = `bare-${this.nextRequest++}`;
    this.send({ recover: { requestId, service, reason } });
    return waitFor(
      () => this.received.map((m) => m.requestResult as RequestResult | undefined).find((r) => r?.requestId === requestId),
      { timeoutMs, intervalMs: 10, what: `the agent's answer to ${requestId} (recover ${service})` },
    );
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
