/**
 * Bounds how many Hellos the coordinator takes per second, so a connect storm (a fleet
 * starting at once, every agent reconnecting after a coordinator restart) is admitted at
 * the rate the coordinator can serve instead of all at once.
 *
 * Why: an admitted Hello registers the host, writes its row, records a transition and an
 * event. Taken all at once they delay every Welcome past the agents' Welcome timeout
 * (5 s); the agents give up on streams the coordinator already registered, each abandoned
 * attempt adds three transitions, and heartbeats of connected hosts wait unread until their
 * hosts are judged silent (docs/performance.md, "The collapse"). A refused Hello costs
 * none of that: it is answered at once with RESOURCE_EXHAUSTED and a time to come back.
 *
 * A token bucket: `ratePerSec` sustained, `burst` at once from idle. A Hello over the bound
 * is given a return slot behind the ones already sent away, spaced at the admission rate,
 * so the queue comes back spread out rather than in one wave; jitter on top keeps agents
 * shed in the same millisecond apart.
 *
 * The rate alone assumes the coordinator has its core. When the event loop already lags
 * (the machine is busy with other work, or a storm of new connections costs more than the
 * Hellos themselves), every Hello is sent away until the loop catches up: a Welcome that
 * comes after the agent's timeout is worse than a prompt "come back later".
 */
import type { Clock } from '@vigil/shared';

export interface HelloAdmissionOptions {
  /** Hellos admitted per second, sustained. 0 turns the bound off. */
  ratePerSec: number;
  /** Hellos admitted at once after a quiet spell (the bucket's depth); at least 1. */
  burst: number;
  /** The longest retry hint given, however long the queue. @default 30000 */
  maxPushbackMs?: number;
  /** Extra share of the hint added at random, so equal hints do not return together. @default 0.2 */
  jitter?: number;
  clock: Pick<Clock, 'now'>;
  /** The event loop's current lag in ms (loop-lag.ts). @default none: the rate alone decides */
  loopLagMs?: () => number;
  /** Above this loop lag every Hello is sent away. 0 turns it off. @default 1000 */
  maxLoopLagMs?: number;
  /** @default Math.random */
  random?: () => number;
}

export type HelloAdmissionResult =
  | { readonly type: 'admitted' }
  /** Come back in `retryAfterMs` (whole milliseconds, at least 1). */
  | { readonly type: 'shed'; readonly retryAfterMs: number };

const ADMITTED: HelloAdmissionResult = { type: 'admitted' };

export class HelloAdmission {
  private readonly ratePerMs: number;
  private readonly burst: number;
  private readonly maxPushbackMs: number;
  private readonly jitter: number;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly random: () => number;
  private readonly loopLagMs: (() => number) | undefined;
  private readonly maxLoopLagMs: number;
  private tokens: number;
  private refilledAt: number;
  /** The latest return slot handed out; the next shed Hello is placed one spacing after it. */
  private lastSlotAt = -Infinity;
  /** The latest moment an agent sent away was told to come back (jitter included). */
  private lastReturnAt = -Infinity;

  constructor(opts: HelloAdmissionOptions) {
    if (!Number.isFinite(opts.ratePerSec) || opts.ratePerSec < 0) throw new RangeError(`ratePerSec must be a number >= 0, got ${opts.ratePerSec}`);
    if (!Number.isFinite(opts.burst) || opts.burst < 1) throw new RangeError(`burst must be a number >= 1, got ${opts.burst}`);
    this.ratePerMs = opts.ratePerSec / 1000;
    this.burst = opts.burst;
    this.maxPushbackMs = opts.maxPushbackMs ?? 30_000;
    this.jitter = opts.jitter ?? 0.2;
    this.clock = opts.clock;
    this.random = opts.random ?? Math.random;
    this.loopLagMs = opts.loopLagMs;
    this.maxLoopLagMs = opts.maxLoopLagMs ?? 1000;
    this.tokens = opts.burst;
    this.refilledAt = opts.clock.now();
  }

  /** Whether a Hello arriving now is taken; called once per Hello. */
  admit(): HelloAdmissionResult {
    if (this.ratePerMs === 0) return ADMITTED;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.ratePerMs);
    this.refilledAt = now;
    const lagMs = this.maxLoopLagMs > 0 && this.loopLagMs !== undefined ? this.loopLagMs() : 0;
    const lagging = lagMs > this.maxLoopLagMs && this.maxLoopLagMs > 0;
    // The tolerance absorbs floating-point sums (ten refills of 0.1 make 0.9999999999999999).
    if (!lagging && this.tokens >= 1 - 1e-9) {
      this.tokens = Math.max(0, this.tokens - 1);
      return ADMITTED;
    }
    const spacing = 1 / this.ratePerMs;
    // The first free moment is when the bucket holds a token again; after that, one slot
    // per spacing behind everyone already sent away. Capped, so a long queue cannot push
    // an agent out for minutes (it is then sent away again, which costs little).
    // A lagging loop is free again no sooner than it has caught up, about its lag from now.
    const firstFree = now + (lagging ? lagMs : Math.max(0, 1 - this.tokens) * spacing);
    const slot = Math.min(Math.max(firstFree, this.lastSlotAt + spacing), now + this.maxPushbackMs);
    this.lastSlotAt = slot;
    const waitMs = slot - now;
    const retryAfterMs = Math.max(1, Math.ceil(waitMs * (1 + this.jitter * this.random())));
    this.lastReturnAt = Math.max(this.lastReturnAt, now + retryAfterMs);
    return { type: 'shed', retryAfterMs };
  }

  /**
   * The latest moment (clock time) an agent sent away was told to come back; -Infinity when
   * none was. Until then an agent absent since a restart may be one of those waiting.
   */
  returnsDueBy(): number {
    return this.lastReturnAt;
  }
}

/**
 * How long `hosts` agents reconnecting at once take to be admitted at `ratePerSec`, with
 * half again as headroom for retries landing between slots: after a restart, hosts known
 * from the store need at least this long before one may be judged silent, or the bound
 * itself would page the fleet. 0 without a bound.
 */
export function admissionGraceMs(hosts: number, ratePerSec: number): number {
  if (ratePerSec <= 0 || hosts <= 0) return 0;
  return Math.ceil((hosts / ratePerSec) * 1000 * 1.5);
}
