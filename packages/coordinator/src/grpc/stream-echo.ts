import { randomInt } from 'node:crypto';

/**
 * One stream's Echoes, as an explicit state machine; the stream (agent-session.ts) sends
 * what `send` asks and passes on the replies.
 *
 * - `idle`: no Echo out; the next may go at `nextAtMs` (if the host still wants one).
 * - `waiting`: an Echo with `nonce` went out at `sentAtMs`; only its reply is a measure.
 *   An unanswered one is replaced by the next, whose round trip is measured instead.
 *
 * A stream gets at most ECHO_SCHEDULE.maxPerStream of them, the first a while after its
 * Welcome and each later one twice as long after the one before: a host on a far network
 * answers slowly every time and needs no more than a few, while a host whose connect was
 * slowed by a reconnect storm answers fast once the storm is over.
 */
export type EchoState = { kind: 'idle'; nextAtMs: number } | { kind: 'waiting'; nonce: number; sentAtMs: number; nextAtMs: number };

export const ECHO_SCHEDULE = {
  /**
   * The first Echo goes this long after the Welcome (the coordinator's `echoAfter`). A
   * reconnect storm of 10,000 agents was over within 20-30 s on the machines measured
   * (docs/performance.md), and its last connects are the slowest.
   */
  firstAfterMs: 30_000,
  /** At most this many a stream: by default 30 s, 90 s and 210 s after the Welcome. */
  maxPerStream: 3,
} as const;

export class StreamEcho {
  private state: EchoState;
  private sent = 0;

  constructor(
    welcomedAtMs: number,
    private readonly firstAfterMs: number = ECHO_SCHEDULE.firstAfterMs,
    private readonly nonces: () => number = () => randomInt(1, 0x1_0000_0000),
  ) {
    this.state = { kind: 'idle', nextAtMs: welcomedAtMs + firstAfterMs };
  }

  get kind(): EchoState['kind'] {
    return this.state.kind;
  }

  /** Whether this stream may send an Echo at `nowMs`. */
  due(nowMs: number): boolean {
    return this.sent < ECHO_SCHEDULE.maxPerStream && nowMs >= this.state.nextAtMs;
  }

  /** An Echo goes out at `nowMs`: its nonce (1 to 2^32-1). */
  send(nowMs: number): number {
    this.sent++;
    const nonce = this.nonces();
    this.state = { kind: 'waiting', nonce, sentAtMs: nowMs, nextAtMs: nowMs + this.firstAfterMs * 2 ** this.sent };
    return nonce;
  }

  /** A reply with `nonce` read at `nowMs`: the round trip in ms, or undefined when it answers no Echo out. */
  answered(nonce: number, nowMs: number): number | undefined {
    const s = this.state;
    if (s.kind !== 'waiting' || s.nonce !== nonce) return undefined;
    this.state = { kind: 'idle', nextAtMs: s.nextAtMs };
    return Math.max(0, nowMs - s.sentAtMs);
  }
}
