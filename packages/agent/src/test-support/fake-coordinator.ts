import * as grpc from '@grpc/grpc-js';
import { loadProto, type AgentMessage, type CoordinatorMessageIn } from '@vigil/shared';

/** One Connect stream as the fake coordinator saw it. */
export interface StreamRecord {
  readonly messages: AgentMessage[];
  /** Unix ms of each message's arrival, index for index. */
  readonly arrivals: number[];
  welcomedAtMs: number | undefined;
  ended: boolean;
  readonly call: grpc.ServerDuplexStream<AgentMessage, CoordinatorMessageIn>;
}

export interface FakeCoordinatorOptions {
  coordinatorId?: string;
  /** Answer Hello with Welcome. @default true */
  welcome?: boolean;
  /** Ack every heartbeat. @default true */
  ack?: boolean;
}

/**
 * A real grpc-js AgentService on 127.0.0.1 and a free port, recording what agents send.
 * It answers Hello with Welcome (echoing the interval), acks heartbeats, and ends the
 * stream when the agent half-closes.
 */
export class FakeCoordinator {
  readonly streams: StreamRecord[] = [];
  readonly address: string;
  private readonly server: grpc.Server;

  private constructor(server: grpc.Server, port: number) {
    this.server = server;
    this.address = `127.0.0.1:${port}`;
  }

  static async start(options: FakeCoordinatorOptions = {}): Promise<FakeCoordinator> {
    const { coordinatorId = 'coord-test', welcome = true, ack = true } = options;
    const server = new grpc.Server();
    let self: FakeCoordinator | undefined;
    server.addService(loadProto().vigil.v1.AgentService.service, {
      Connect: (call: grpc.ServerDuplexStream<AgentMessage, CoordinatorMessageIn>) => {
        const rec: StreamRecord = { messages: [], arrivals: [], welcomedAtMs: undefined, ended: false, call };
        self!.streams.push(rec);
        call.on('data', (msg: AgentMessage) => {
          rec.messages.push(msg);
          rec.arrivals.push(Date.now());
          if (msg.body === 'hello' && welcome) {
            rec.welcomedAtMs = Date.now();
            call.write({ welcome: { coordinatorId, intervalMs: msg.hello!.intervalMs, lastSeq: 0 } });
          }
          if (msg.body === 'heartbeat' && ack) call.write({ ack: { seq: msg.heartbeat!.seq } });
        });
        call.on('end', () => {
          if (!rec.ended) {
            rec.ended = true;
            call.end();
          }
        });
        call.on('error', () => {
          rec.ended = true;
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    self = new FakeCoordinator(server, port);
    return self;
  }

  /** Every message from every stream, in arrival order per stream. */
  all(): AgentMessage[] {
    return this.streams.flatMap((s) => s.messages);
  }

  heartbeats(): NonNullable<AgentMessage['heartbeat']>[] {
    return this.all().flatMap((m) => (m.body === 'heartbeat' && m.heartbeat ? [m.heartbeat] : []));
  }

  /** Ends every open stream from the server side, as a coordinator shutting down would. */
  endStreams(): void {
    for (const s of this.streams) {
      if (!s.ended) {
        s.ended = true;
        s.call.end();
      }
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.forceShutdown();
      resolve();
    });
  }
}

/** A port on 127.0.0.1 that was free a moment ago and has nothing listening now. */
export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | null, timeoutMs = 5000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
