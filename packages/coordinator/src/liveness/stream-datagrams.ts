/**
 * Where one stream's liveness datagrams stand, as an explicit state machine; the stream
 * (grpc/agent-session.ts) does what each change asks: grants, the detector, the log.
 *
 * - `pending`: offered in Welcome, none heard yet (the agent sends Liveness messages too).
 * - `heard`: the agent was told so and sends datagrams only.
 * - `unheard`: none came for a detection window where the stream works (UDP filtered): the
 *   agent was told to send Liveness messages; a datagram heard later makes it `heard` again.
 *
 * Times are the receiver thread's clock (Date.now()).
 */
export type DatagramState =
  | { kind: 'pending'; sinceMs: number }
  | { kind: 'heard'; lastAtMs: number }
  | { kind: 'unheard'; lastAtMs: number };

/** A pending stream is given a second beyond the window for its first datagram. */
const FIRST_DATAGRAM_GRACE_MS = 1000;

export class StreamDatagrams {
  private state: DatagramState;

  constructor(
    readonly slot: number,
    offeredAtMs: number,
  ) {
    this.state = { kind: 'pending', sinceMs: offeredAtMs };
  }

  get kind(): DatagramState['kind'] {
    return this.state.kind;
  }

  /** A datagram taken at `atMs`; true when it makes the stream heard (it was not). */
  arrived(atMs: number): boolean {
    const was = this.state.kind;
    this.state = { kind: 'heard', lastAtMs: was === 'heard' ? Math.max(this.state.lastAtMs, atMs) : atMs };
    return was !== 'heard';
  }

  /**
   * Checked on each heartbeat: when none was heard since a window of two periods (and a
   * second more for the first), the stream becomes `unheard` and this says what it was
   * and for how long nothing came; otherwise undefined. `takenAtMs` reads the receiver's
   * newest arrival for the slot (0 for none), which the last poll may not have passed on
   * yet; it is read only when the stream looks quiet, not on every heartbeat.
   */
  checkHeard(nowMs: number, periodMs: number, takenAtMs: () => number): { was: 'pending' | 'heard'; quietMs: number } | undefined {
    const s = this.state;
    if (s.kind === 'unheard' || periodMs <= 0) return undefined;
    const window = 2 * periodMs;
    const quietSince = s.kind === 'pending' ? s.sinceMs + FIRST_DATAGRAM_GRACE_MS : s.lastAtMs;
    if (nowMs - quietSince <= window) return undefined;
    const taken = takenAtMs();
    // Taken but not yet passed on by a poll: heard, whatever the stream was told so far.
    if (s.kind === 'pending' && taken > 0) return undefined;
    const quietMs = nowMs - Math.max(quietSince, taken);
    if (quietMs <= window) return undefined;
    this.state = { kind: 'unheard', lastAtMs: s.kind === 'heard' ? s.lastAtMs : 0 };
    return { was: s.kind, quietMs };
  }

  /** The receiver is gone: what the stream was, or undefined when it was `unheard` already. */
  lost(): 'pending' | 'heard' | undefined {
    const s = this.state;
    if (s.kind === 'unheard') return undefined;
    this.state = { kind: 'unheard', lastAtMs: s.kind === 'heard' ? s.lastAtMs : 0 };
    return s.kind;
  }
}
