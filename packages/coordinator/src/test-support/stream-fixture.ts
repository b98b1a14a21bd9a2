import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadProto, type AgentMessageIn, type Logger } from '@vigil/shared';
import { coordinatorConfigSchema } from '../config.js';
import { startCoordinator, type Coordinator } from '../coordinator.js';

const proto = loadProto();

/** A real agent-side stream with everything it received. */
export interface TestStream {
  call: grpc.ClientDuplexStream<AgentMessageIn, any>;
  got: any[];
  ended: () => boolean;
  status: Promise<grpc.StatusObject>;
}

export interface StreamFixture {
  coord: Coordinator;
  /** A stream on its own connection (as separate agents have), through the generated client. */
  open(): TestStream;
  /** Sends raw bytes as one message, to test what the coordinator does with garbage. */
  openRaw(): { write: (b: Buffer) => void; end: () => void; status: Promise<grpc.StatusObject> };
  close(): Promise<void>;
}

/**
 * A real coordinator on free loopback ports (no NATS, a temp data dir) and real gRPC
 * streams to it: what the coordinator's stream tests share. `config` adds to or replaces
 * the defaults; `logger` is silent unless a test reads what is logged.
 */
export async function startStreamFixture(name: string, config: Record<string, unknown> = {}, logger: Logger = createLogger('test', 'silent')): Promise<StreamFixture> {
  const dir = mkdtempSync(join(tmpdir(), `vigil-${name}-`));
  const parsed = coordinatorConfigSchema.parse({
    grpc: '127.0.0.1:0',
    http: '127.0.0.1:0',
    nats: 'none',
    dataDir: dir,
    id: 'test-coord',
    disconnectGrace: '300ms',
    minAgentInterval: '100ms',
    // These streams do not retry a shed Hello as agents do, and a test machine's event loop
    // may lag a second while other tests start: admission by lag is not what they test.
    helloMaxLoopLag: 0,
    ...config,
  });
  const coord = await startCoordinator(parsed, { logger });
  const clients: grpc.Client[] = [];
  const target = `127.0.0.1:${coord.grpcPort}`;
  return {
    coord,
    open() {
      const client = new proto.vigil.v1.AgentService(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
      clients.push(client);
      const call = client.Connect();
      const got: any[] = [];
      let done = false;
      call.on('data', (m) => got.push(m));
      call.on('error', () => {});
      const status = new Promise<grpc.StatusObject>((resolve) =>
        call.on('status', (s) => {
          done = true;
          resolve(s);
        }),
      );
      return { call, got, ended: () => done, status };
    },
    openRaw() {
      const client = new grpc.Client(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
      clients.push(client);
      const call = client.makeBidiStreamRequest<Buffer, Buffer>('/vigil.v1.AgentService/Connect', (b) => b, (b) => b);
      call.on('data', () => {});
      call.on('error', () => {});
      const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      return { write: (b) => call.write(b), end: () => call.end(), status };
    },
    async close() {
      for (const c of clients) c.close();
      await coord.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A valid Hello; `over` replaces any field. */
export function helloMessage(hostId: string, over: Record<string, unknown> = {}): AgentMessageIn {
  return {
    hello: {
      hostId,
      agentVersion: '0.1.0',
      hostname: hostId,
      os: { platform: 'linux', distro: 'debian', release: '12', kernel: '6.1', arch: 'x64' },
      services: [],
      capabilities: ['resources'],
      intervalMs: 200,
      labels: {},
      startedAtMs: Date.now(),
      ...over,
    },
  } as AgentMessageIn;
}

/** Polls `fn` every 20 ms until it gives a truthy value. */
export async function waitFor<T>(fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
