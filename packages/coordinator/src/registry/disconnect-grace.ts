import { AGENT_REDIAL } from '@vigil/shared';

/**
 * A living agent is back this many of its round trips after its redial: the dial itself
 * (TCP, TLS, HTTP/2) takes a few, the Hello one more; the round trip measured below (the
 * Hello's, or an Echo's) has both ends' work in it.
 */
export const CONNECT_ROUND_TRIPS = 4;
/** What neither end's timing promises: a timer or a loop turn late on a busy host. */
export const GRACE_HEADROOM_MS = 200;
/**
 * The stream must have been up this much longer than the agent's steady threshold: the
 * agent starts counting at its Welcome, later than the coordinator's Hello.
 */
const STEADY_MARGIN_MS = 1000;

/** Where a grace comes from: what the agent needs, the configured minimum, or the configured ceiling. */
export type GraceKind = 'agent' | 'minimum' | 'configured';

export interface GraceVerdict {
  readonly ms: number;
  readonly kind: GraceKind;
  /** Why it is this long, for the silent reason: the configured ceiling, or what the agent needs. */
  readonly why: string;
}

/**
 * How long a host whose stream broke without Goodbye stays suspect before it is silent.
 *
 * Why not a fixed second: a crash (the agent killed, the process gone) is known the moment
 * its stream closes, and every millisecond of grace is detection time. The grace is only
 * there for a living agent to come back, and that takes its redial (AGENT_REDIAL: at most
 * 200 ms after a steady stream) plus a connect, which this host's own round trips measure:
 * from its Hello to its first message after the Welcome, and an Echo's answer where the
 * agent takes them, the fastest seen since this coordinator started (a busy moment slows
 * one, never speeds one up; a connect slowed by a reconnect storm is measured again by
 * Echo once the storm is over, round-trip-probes.ts). So a host
 * on the same LAN is judged in under half a second, one across a WAN later, and none later
 * than the configured `disconnectGrace`, which stays the ceiling, and none sooner than
 * `minDisconnectGrace` (0 by default; equal to the ceiling, a fixed grace). Where the agent's redial
 * is not promised (a young stream after earlier attempts) or no round trip was measured, the
 * ceiling applies.
 *
 * Memory only: one number per host for its fastest round trip, one per connected host for
 * when its stream began, and the ids of streams waiting for their first message. The
 * stream's Hello.attempt is the registry's (it keeps it for stale Hellos already).
 */
export class DisconnectGrace {
  /** When each attached stream said Hello. */
  private readonly since = new Map<string, number>();
  /** Hosts whose stream said Hello and has sent nothing since. */
  private readonly awaitingFirst = new Set<string>();
  /** The fastest round trip of each host's streams (Hello → first message, Echo → reply), in ms. */
  private readonly fastestRoundTrip = new Map<string, number>();

  /** `floorMs`: the shortest grace, whatever the agent needs (`minDisconnectGrace`; equal to the ceiling: a fixed grace). */
  constructor(
    private readonly ceilingMs: number,
    private readonly floorMs = 0,
  ) {}

  /** A stream of the host said Hello at `now` and holds the host. */
  hello(hostId: string, now: number): void {
    this.since.set(hostId, now);
    this.awaitingFirst.add(hostId);
  }

  /** A message (heartbeat, liveness, event) on the host's stream at `now`. */
  message(hostId: string, now: number): void {
    if (!this.awaitingFirst.delete(hostId)) return;
    this.roundTrip(hostId, Math.max(0, now - (this.since.get(hostId) ?? now)));
  }

  /** A round trip of `ms` on the host's stream (an Echo answered). */
  roundTrip(hostId: string, ms: number): void {
    const fastest = this.fastestRoundTrip.get(hostId);
    if (fastest === undefined || ms < fastest) this.fastestRoundTrip.set(hostId, ms);
  }

  /**
   * Whether a round trip measured now could shorten the host's grace: it has none yet, or
   * the fastest it had gives the ceiling. Never where the floor is the ceiling (a fixed grace).
   */
  wantsRoundTrip(hostId: string): boolean {
    if (this.floorMs >= this.ceilingMs) return false;
    const fastest = this.fastestRoundTrip.get(hostId);
    return fastest === undefined || this.needs(fastest) >= this.ceilingMs;
  }

  /**
   * The host's stream closed without Goodbye at `now`: how long the host stays suspect.
   * `attempt`: the stream's Hello.attempt (0: its agent does not number them).
   */
  closed(hostId: string, now: number, attempt: number): GraceVerdict {
    const kind = this.kindOf(hostId, now, attempt);
    const roundTrip = this.fastestRoundTrip.get(hostId);
    this.detach(hostId);
    switch (kind) {
      case 'configured':
        return { ms: this.ceilingMs, kind, why: 'the configured disconnect grace' };
      case 'minimum':
        return { ms: this.floorMs, kind, why: 'the configured minimum disconnect grace' };
      case 'agent':
        return { ms: this.needs(roundTrip!), kind, why: `its agent redials within ${AGENT_REDIAL.firstRetryMs} ms and its stream answered in ${roundTrip} ms` };
    }
  }

  /**
   * The connected hosts by the grace a broken stream would get at `now` (for /metrics: after
   * a coordinator restart, how much of the fleet is back to a short grace). `attemptOf`:
   * each stream's Hello.attempt.
   */
  countConnected(now: number, attemptOf: (hostId: string) => number): Record<GraceKind, number> {
    const out: Record<GraceKind, number> = { agent: 0, minimum: 0, configured: 0 };
    for (const hostId of this.since.keys()) out[this.kindOf(hostId, now, attemptOf(hostId))]++;
    return out;
  }

  /** Where the grace of the host's stream would come from if it broke at `now`. */
  private kindOf(hostId: string, now: number, attempt: number): GraceKind {
    const since = this.since.get(hostId);
    const roundTrip = this.fastestRoundTrip.get(hostId);
    if (since === undefined || roundTrip === undefined) return 'configured';
    const steady = now - since >= AGENT_REDIAL.steadyAfterMs + STEADY_MARGIN_MS;
    if (!steady && attempt !== 1) return 'configured';
    const needs = this.needs(roundTrip);
    if (needs >= this.ceilingMs) return 'configured';
    return needs < this.floorMs ? 'minimum' : 'agent';
  }

  /** What a living agent whose stream answers in `roundTripMs` needs to be back. */
  private needs(roundTripMs: number): number {
    return AGENT_REDIAL.firstRetryMs + CONNECT_ROUND_TRIPS * roundTripMs + GRACE_HEADROOM_MS;
  }

  /** The host's stream ended without a grace (Goodbye), or the host is gone. */
  detach(hostId: string): void {
    this.since.delete(hostId);
    this.awaitingFirst.delete(hostId);
  }

  /** The host is removed for good. */
  forget(hostId: string): void {
    this.detach(hostId);
    this.fastestRoundTrip.delete(hostId);
  }
}
