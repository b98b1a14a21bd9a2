import type { HeartbeatWrite, HostStore } from '../store/host-store.js';
import type { Db } from '../store/db.js';
import type { Readiness } from '../readiness.js';

type Done = (err?: Error) => void;

/**
 * Group commit for heartbeats: every heartbeat that arrives in one turn of the event loop
 * is written in one transaction, and acknowledged only after that transaction committed,
 * so an ack means "stored". One fsync-free WAL commit per turn instead of per message.
 */
export class HeartbeatWriter {
  private queue: HeartbeatWrite[] = [];
  private callbacks: Done[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly write: (batch: HeartbeatWrite[]) => void;

  constructor(
    db: Db,
    store: HostStore,
    private readonly observe: (batchSize: number, ms: number) => void = () => {},
    /** Longest wait before a commit, in ms. @default 25 */
    private readonly flushMs = 25,
    /** A batch this large is committed at once. @default 512 */
    private readonly maxBatch = 512,
    /** Told of every commit and failure, for `/readyz`. */
    private readonly readiness?: Pick<Readiness, 'storeFailed' | 'storeOk'>,
  ) {
    this.write = db.transaction((batch: HeartbeatWrite[]) => store.writeHeartbeats(batch));
  }

  enqueue(w: HeartbeatWrite, done: Done): void {
    this.queue.push(w);
    this.callbacks.push(done);
    if (this.queue.length >= this.maxBatch) {
      this.flush();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      // A short wait gathers many streams' heartbeats into one commit: at 10,000 agents a
      // commit per loop turn carried two heartbeats and BEGIN/COMMIT was a tenth of the work.
      this.timer = setTimeout(() => this.flush(), this.flushMs);
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    const callbacks = this.callbacks;
    this.queue = [];
    this.callbacks = [];
    const started = performance.now();
    let error: Error | undefined;
    try {
      this.write(batch);
      this.readiness?.storeOk();
    } catch (err) {
      error = err as Error;
      this.readiness?.storeFailed(error);
    }
    this.observe(batch.length, performance.now() - started);
    for (const cb of callbacks) cb(error);
  }
}
