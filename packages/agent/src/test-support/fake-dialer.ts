import type { AgentMessageIn, CoordinatorMessage } from '@vigil/shared';
import type { CoordinatorTarget } from '../config.js';
import type { CoordinatorStream, Dialer, StreamEvents } from '../transport.js';

/** One dialled stream; the test plays the coordinator's side through it. */
export class FakeStream implements CoordinatorStream {
  readonly written: AgentMessageIn[] = [];
  ended = false;
  cancelled = false;
  closed = false;
  /** What write() returns; false simulates a full send buffer. */
  accepts = true;

  constructor(
    readonly target: CoordinatorTarget,
    private readonly events: StreamEvents,
  ) {}

  write(msg: AgentMessageIn): boolean {
    this.written.push(msg);
    return this.accepts;
  }

  end(): void {
    this.ended = true;
  }

  cancel(): void {
    this.cancelled = true;
    this.close(new Error('1 CANCELLED: Cancelled on client'));
  }

  // The coordinator's side.
  /** The TCP connection came up (the coordinator's kernel holds it). */
  connected(): void {
    this.events.onConnected?.();
  }

  /** The coordinator's process took the connection (its SETTINGS arrived). */
  taken(): void {
    this.events.onTaken?.();
  }

  send(msg: CoordinatorMessage): void {
    this.events.onMessage(msg);
  }

  welcome(intervalMs = 1000, coordinatorId = 'c1', livenessIntervalMs = 0): void {
    this.send({ body: 'welcome', welcome: { coordinatorId, intervalMs, lastSeq: 0, capabilities: [], lastEventSeq: 0, livenessIntervalMs, livenessDatagramPort: 0, livenessDatagramKey: Buffer.alloc(0), livenessDatagramSlot: 0 } });
  }

  drain(): void {
    this.accepts = true;
    this.events.onDrain();
  }

  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.events.onClose(error);
  }
}

/** Records every dial; the test decides what each stream does. */
export class FakeDialer implements Dialer {
  readonly streams: FakeStream[] = [];

  dial(target: CoordinatorTarget, events: StreamEvents): CoordinatorStream {
    const s = new FakeStream(target, events);
    this.streams.push(s);
    return s;
  }

  get last(): FakeStream {
    const s = this.streams.at(-1);
    if (!s) throw new Error('nothing dialled yet');
    return s;
  }
}
