import type { Clock, TimerHandle } from '@vigil/shared';

/** The period for an ask, a heartbeat interval and the way liveness comes (datagrams have their own budget). */
export type LivenessGrantFn = (askedMs: number, intervalMs: number, viaDatagrams: boolean) => number;

/** What the pass needs of a stream (AgentSession). */
export interface RegrantableSession {
  livenessRegrant(grant: LivenessGrantFn, tolerance: number): number | undefined;
  regrantLiveness(periodMs: number): void;
}

export interface LivenessRegrantOptions {
  /** How often streams are checked against the fleet's size. @default 10000 */
  everyMs: number;
  /** A change smaller than this share of the current period is not sent. @default 0.1 */
  tolerance: number;
  /** At most this many grants per pass; the rest wait for the next one. @default 2000 */
  maxPerPass: number;
  /** After a pass that reached `maxPerPass`, the next comes this soon (never later than `everyMs`). @default 2000 */
  backlogEveryMs: number;
}

export const DEFAULT_REGRANT_OPTIONS: LivenessRegrantOptions = { everyMs: 10_000, tolerance: 0.1, maxPerPass: 2000, backlogEveryMs: 2000 };

/**
 * Keeps the fleet's liveness within the coordinator's budget as the fleet changes. Welcome
 * grants each agent the period the fleet's size allowed when it connected, so the first
 * agents of a fleet that grew keep a short period and together exceed the budget (the
 * reverse when it shrank). Every `everyMs` this pass grants each stream the period the
 * fleet's size allows now, where it differs by more than `tolerance`: a LivenessGrant
 * on the stream and the detector judging the host by the new period.
 *
 * A pass sends at most `maxPerPass` grants, so that one pass is a short burst of writes; a
 * pass that had more to send is followed by the next after `backlogEveryMs`. A fleet that
 * grew to 15,000 has ~12,000 streams to re-grant: at one full pass per 10 s the fleet sat
 * over its budget for a minute, and each host re-granted after it froze is judged a
 * window after the grant rather than after its last message.
 */
export class LivenessRegrant {
  private readonly opts: LivenessRegrantOptions;
  private timer: TimerHandle | undefined;
  /** Grants sent since start, for /metrics and tests. */
  sent = 0;

  constructor(
    private readonly clock: Clock,
    private readonly sessions: () => Iterable<RegrantableSession>,
    private readonly grant: LivenessGrantFn,
    options: Partial<LivenessRegrantOptions> = {},
    /** Told of each pass that sent grants (the server logs it: one line a pass, not one a host). */
    private readonly onPass: (sent: number) => void = () => {},
  ) {
    this.opts = { ...DEFAULT_REGRANT_OPTIONS, ...options };
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      const full = this.pass() >= this.opts.maxPerPass;
      this.timer = this.clock.setTimeout(tick, full ? Math.min(this.opts.backlogEveryMs, this.opts.everyMs) : this.opts.everyMs);
    };
    this.timer = this.clock.setTimeout(tick, this.opts.everyMs);
  }

  stop(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One pass; returns how many grants it sent. */
  pass(): number {
    let n = 0;
    for (const s of this.sessions()) {
      if (n >= this.opts.maxPerPass) break;
      const target = s.livenessRegrant(this.grant, this.opts.tolerance);
      if (target === undefined) continue;
      s.regrantLiveness(target);
      n++;
    }
    this.sent += n;
    if (n > 0) this.onPass(n);
    return n;
  }
}
