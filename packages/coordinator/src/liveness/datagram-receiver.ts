import { randomFillSync } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { LIVENESS_DATAGRAM, type Logger } from '@vigil/shared';
import { BOARD_COUNTERS, KEY_BYTES, newBoard, type Board, type BoardCounter } from './datagram-board.js';
import type { FromReceiver, ReceiverWorkerData, ToReceiver } from './datagram-receiver.worker.js';

/** Slots on the board: streams that can send datagrams at once (2.4 MB of shared memory, 36 bytes a slot). */
export const DATAGRAM_SLOTS = 65_536;
/**
 * Asked of the kernel for the receiver's socket (it grants at most net.core.rmem_max). The
 * receiver thread reads as fast as datagrams come, so this only covers its own short pauses.
 * The Debian package raises rmem_max to this (packaging/sysctl/60-vigil-coordinator.conf).
 */
export const RECV_BUFFER_BYTES = 4 << 20;

/** A stream's datagram slot, as Welcome hands it out. */
export interface DatagramSlot {
  slot: number;
  key: Buffer;
}

/** What a stream needs of the receiver (agent-session.ts); a small interface so tests can fake it. */
export interface LivenessDatagramSource {
  readonly port: number;
  /** A slot and key for a stream, with its arrival callback; undefined when every slot is taken. */
  open(onArrival: (atMs: number, agentStallMs: number) => void): DatagramSlot | undefined;
  close(slot: number): void;
  /**
   * When the slot's newest datagram was taken (0: none since it was opened), read from the
   * board now: a stream checking its datagrams must not go by what the last poll saw,
   * which is as old as the main thread's last stall.
   */
  lastArrivalAt(slot: number): number;
}

interface OpenSlot {
  slot: number;
  seen: number;
  onArrival: (atMs: number, agentStallMs: number) => void;
}

/**
 * Where the receiver thread's code is. Compiled, it sits beside this file (in dist/, or in
 * the release bundle's lib/). Tests run this file from src/ as TypeScript, which a worker
 * thread cannot load: they use the compiled copy in dist/, built before the tests run.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return new URL(here.replace(/\/src\/liveness\/[^/]+\.ts$/, '/dist/liveness/datagram-receiver.worker.js'));
  return new URL('./datagram-receiver.worker.js', here);
}

/**
 * The main thread's side of the liveness datagrams: hands out slots and keys, starts and
 * stops the receiver thread, and `poll()` turns what the board shows into arrivals.
 */
export class LivenessDatagrams implements LivenessDatagramSource {
  private readonly open_ = new Map<number, OpenSlot>();
  private readonly free: number[] = [];
  private next = 0;
  private stopping = false;
  private lost = false;
  /** The last generation given to an opening (datagram-board.ts). */
  private gens = 0;
  /** Random bytes drawn 4 KB at a time: one draw per key cost 6-10 µs, most of an opening. */
  private readonly randomPool = Buffer.alloc(4096);
  private randomLeft = 0;
  /** Told once when the receiver thread ends without stop(): no datagram is heard any more. */
  onLost: () => void = () => {};

  private constructor(
    private readonly log: Logger,
    private readonly worker: Worker,
    private readonly board: Board,
    readonly port: number,
  ) {}

  /**
   * Listens on `ports` in order (the agents' gRPC port number first, so one firewall rule
   * names one port for both; then any free port). Rejects when none binds.
   */
  static async start(host: string, ports: number[], log: Logger, slots = DATAGRAM_SLOTS): Promise<LivenessDatagrams> {
    const board = newBoard(slots);
    const data: ReceiverWorkerData = { host, ports, buffer: board.buffer, slots, recvBufferSize: RECV_BUFFER_BYTES };
    // A small young generation: it allocates one Buffer per datagram and keeps almost
    // nothing, and would otherwise size itself by the coordinator's flags (16 MB).
    const worker = new Worker(workerUrl(), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    let onMessage: (m: FromReceiver) => void = () => {};
    let onError: (err: Error) => void = () => {};
    let onExit: (code: number) => void = () => {};
    const ready = await new Promise<{ port: number; recvBufferSize: number }>((resolve, reject) => {
      onMessage = (m) => {
        if (m.type === 'listening') resolve(m);
        else if (m.type === 'error') reject(new Error(`liveness datagrams: could not listen on udp ${host} port ${ports.join(' or ')}: ${m.message}`));
      };
      onError = reject;
      onExit = (code) => reject(new Error(`liveness datagram receiver exited (${code}) before listening`));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    }).catch(async (err: Error) => {
      await worker.terminate();
      throw err;
    });
    // Only our own: a Worker keeps listeners of its own that deliver its messages.
    worker.off('message', onMessage);
    worker.off('error', onError);
    worker.off('exit', onExit);
    const self = new LivenessDatagrams(log, worker, board, ready.port);
    worker.on('message', (m: FromReceiver) => {
      if (m.type === 'closed') self.free.push(m.slot);
      else if (m.type === 'refused') log.warn({ reason: m.reason, from: m.from, moreSinceLastLine: m.moreSinceLastLine }, `refused a liveness datagram: ${m.detail}`);
      else if (m.type === 'error') log.error({ err: m.message }, 'liveness datagram socket error');
    });
    worker.on('error', (err) => log.error({ err: err.message }, 'liveness datagram receiver failed'));
    worker.on('exit', (code) => {
      if (self.stopping) return;
      self.lost = true;
      log.error({ code }, 'liveness datagram receiver ended: agents are told to send their liveness on their streams');
      self.onLost();
    });
    // The coordinator's own stop ends it; it must never be what keeps a process alive.
    worker.unref();
    if (ready.recvBufferSize < RECV_BUFFER_BYTES) {
      // Only a large fleet needs the rest; a small one never fills even the default buffer.
      log.info(
        { asked: RECV_BUFFER_BYTES, got: ready.recvBufferSize },
        `liveness datagram receive buffer capped by net.core.rmem_max: at thousands of agents, set net.core.rmem_max = ${RECV_BUFFER_BYTES} (the Debian package's /usr/lib/sysctl.d/60-vigil-coordinator.conf does)`,
      );
    }
    return self;
  }

  open(onArrival: (atMs: number, agentStallMs: number) => void): DatagramSlot | undefined {
    if (this.lost || this.stopping) return undefined;
    const slot = this.free.pop() ?? (this.next < this.board.slots ? this.next++ : undefined);
    if (slot === undefined) return undefined;
    const key = this.newKey();
    // A slot is free again only once the receiver has closed it and set its seq back to 0
    // (close): a late datagram of the old stream can no longer mark it for the new one.
    this.open_.set(slot, { slot, seen: 0, onArrival });
    // The key first, then the gen that tells the receiver to take it (datagram-board.ts).
    this.board.keys.set(key, slot * KEY_BYTES);
    this.gens = this.gens >= 0x7fffffff ? 1 : this.gens + 1;
    Atomics.store(this.board.gen, slot, this.gens);
    return { slot, key };
  }

  /** A fresh key from the CSPRNG, copied out of the pool so that no two streams share bytes. */
  private newKey(): Buffer {
    const n = LIVENESS_DATAGRAM.keyBytes;
    if (this.randomLeft < n) {
      randomFillSync(this.randomPool);
      this.randomLeft = this.randomPool.length;
    }
    const at = this.randomPool.length - this.randomLeft;
    this.randomLeft -= n;
    return Buffer.from(this.randomPool.subarray(at, at + n));
  }

  close(slot: number): void {
    if (!this.open_.delete(slot)) return;
    // Refused from now on; the receiver answers 'closed' once the slot is clean for reuse.
    Atomics.store(this.board.gen, slot, 0);
    // Once stopping, no slot is handed out again: 10,000 messages to a thread being ended
    // were a visible part of a planned stop.
    if (!this.stopping) this.worker.postMessage({ op: 'close', slot } satisfies ToReceiver);
  }

  lastArrivalAt(slot: number): number {
    if (!this.open_.has(slot) || Atomics.load(this.board.seq, slot) === 0) return 0;
    return this.board.at[slot]!;
  }

  /**
   * Tells each slot's stream of a datagram taken since the last poll, with the time the
   * receiver took it. Runs before every detector sweep: a verdict never misses an arrival.
   * Only the newest datagram of a slot is seen: arrivals are "still here", not a count.
   * Returns how long ago the receiver last marked the board current: beyond a few ticks it
   * stood still, and what it has not read yet is not the hosts' silence.
   */
  poll(): number {
    const { seq, at, stall } = this.board;
    for (const s of this.open_.values()) {
      const now = Atomics.load(seq, s.slot);
      if (now === s.seen) continue;
      s.seen = now;
      // One stream's failure must not keep the others' arrivals (or the sweep) from running.
      try {
        s.onArrival(at[s.slot]!, stall[s.slot]!);
      } catch (err) {
        this.log.error({ err, slot: s.slot }, 'a liveness datagram arrival failed');
      }
    }
    return Math.max(0, Date.now() - this.board.tick[0]!);
  }

  counters(): Record<BoardCounter, number> {
    const out = {} as Record<BoardCounter, number>;
    BOARD_COUNTERS.forEach((name, i) => (out[name] = Number(Atomics.load(this.board.counters, i))));
    return out;
  }

  /** No slot is opened or given back from now on: the receiver is about to go (stop). */
  beginStop(): void {
    this.stopping = true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker.terminate();
  }
}
