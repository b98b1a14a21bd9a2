import type { Clock, TimerHandle } from '@vigil/shared';

/** What a pass needs of a stream (AgentSession). */
export interface EchoingSession {
  /** Sends an Echo if the stream may and its host wants a round trip measured; true when it did. */
  echoIfDue(nowMs: number): boolean;
}

export interface RoundTripProbeOptions {
  /** How often streams are looked at. @default 5000 */
  everyMs: number;
  /** At most this many Echoes a pass, so that a reconnect storm's hosts are measured over a minute, not in one burst. @default 1000 */
  maxPerPass: number;
  /**
   * No Echo while the coordinator's own event loop runs this late: its round trip would
   * measure the coordinator's backlog, not what the agent needs to come back. @default 50
   */
  maxLoopLagMs: number;
}

export const DEFAULT_ROUND_TRIP_PROBE_OPTIONS: RoundTripProbeOptions = { everyMs: 5000, maxPerPass: 1000, maxLoopLagMs: 50 };

/**
 * Measures again the round trip of hosts whose connect was slow. The disconnect grace
 * (registry/disconnect-grace.ts) is short only for a host whose stream answered fast; a
 * coordinator restarted under a fleet measures every connect in the reconnect storm, and
 * a storm's connects take seconds, so without this the whole fleet keeps the configured
 * ceiling after every upgrade until each agent happens to reconnect. Every `everyMs`, while
 * the coordinator's loop is on time, each stream that is due (stream-echo.ts) and whose host
 * would still get the ceiling sends an Echo; its answer is the host's new round trip.
 */
export class RoundTripProbes {
  private readonly opts: RoundTripProbeOptions;
  private timer: TimerHandle | undefined;
  /** Echoes sent since start, for tests. */
  sent = 0;

  constructor(
    private readonly clock: Clock,
    private readonly sessions: () => Iterable<EchoingSession>,
    private readonly loopLagMs: () => number,
    options: Partial<RoundTripProbeOptions> = {},
  ) {
    this.opts = { ...DEFAULT_ROUND_TRIP_PROBE_OPTIONS, ...options };
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.pass();
      this.timer = this.clock.setTimeout(tick, this.opts.everyMs);
    };
    this.timer = this.clock.setTimeout(tick, this.opts.everyMs);
  }

  stop(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One pass; returns how many Echoes it sent. */
  pass(): number {
    if (this.loopLagMs() > this.opts.maxLoopLagMs) return 0;
    const now = this.clock.now();
    let n = 0;
    for (const s of this.sessions()) {
      if (n >= this.opts.maxPerPass) break;
      if (s.echoIfDue(now)) n++;
    }
    this.sent += n;
    return n;
  }
}
