import { AGENT_REDIAL } from '@vigil/shared';

/**
 * A living agent is back this many of its connects after its redial: the dial itself (TCP,
 * TLS, HTTP/2) takes a few round trips, the Hello one more; the connect measured below is
 * the Hello's round trip with both ends' work in it.
 */
export const CONNECT_ROUND_TRIPS = 4;
/** What neither end's timing promises: a timer or a loop turn late on a busy host. */
export const GRACE_HEADROOM_MS = 200;
/**
 * The stream must have been up this much longer than the agent's steady threshold: the
 * agent starts counting at its Welcome, later than the coordinator's Hello.
 */
const STEADY_MARGIN_MS = 1000;

export interface GraceVerdict {
  readonly ms: number;
  /** Why it is this long, for the silent reason: the configured ceiling, or what the agent needs. */
  readonly why: string;
}

/**
 * How long a host whose stream broke without Goodbye stays suspect before it is silent.
 *
 * Why not a fixed second: a crash (the agent killed, the process gone) is known the moment
 * its stream closes, and every millisecond of grace is detection time. The grace is only
 * there for a living agent to come back, and that takes its redial (AGENT_REDIAL: at most
 * 200 ms after a steady stream) plus a connect, which this host's own connects measure:
 * from its Hello to its first message after the Welcome, the fastest seen since this
 * coordinator started (a reconnect storm slows a connect, never speeds one up). So a host
 * on the same LAN is judged in under half a second, one across a WAN later, and none later
 * than the configured `disconnectGrace`, which stays the ceiling, and none sooner than
 * `minDisconnectGrace` (0 by default; equal to the ceiling, a fixed grace). Where the agent's redial
 * is not promised (a young stream after earlier attempts) or no connect was measured, the
 * ceiling applies.
 *
 * Memory only: one number per host for its fastest connect, one per connected host for
 * when its stream began, and the ids of streams waiting for their first message. The
 * stream's Hello.attempt is the registry's (it keeps it for stale Hellos already).
 */
export class DisconnectGrace {
  /** When each attached stream said Hello. */
  private readonly since = new Map<string, number>();
  /** Hosts whose stream said Hello and has sent nothing since. */
  private readonly awaitingFirst = new Set<string>();
  /** The fastest Hello → first message of each host, in ms. */
  private readonly fastestConnect = new Map<string, number>();

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
    const ms = Math.max(0, now - (this.since.get(hostId) ?? now));
    const fastest = this.fastestConnect.get(hostId);
    if (fastest === undefined || ms < fastest) this.fastestConnect.set(hostId, ms);
  }

  /**
   * The host's stream closed without Goodbye at `now`: how long the host stays suspect.
   * `attempt`: the stream's Hello.attempt (0: its agent does not number them).
   */
  closed(hostId: string, now: number, attempt: number): GraceVerdict {
    const since = this.since.get(hostId);
    this.detach(hostId);
    const connect = this.fastestConnect.get(hostId);
    const ceiling = { ms: this.ceilingMs, why: 'the configured disconnect grace' };
    if (since === undefined || connect === undefined) return ceiling;
    const steady = now - since >= AGENT_REDIAL.steadyAfterMs + STEADY_MARGIN_MS;
    if (!steady && attempt !== 1) return ceiling;
    const needs = AGENT_REDIAL.firstRetryMs + CONNECT_ROUND_TRIPS * connect + GRACE_HEADROOM_MS;
    if (needs >= this.ceilingMs) return ceiling;
    if (needs < this.floorMs) return { ms: this.floorMs, why: 'the configured minimum disconnect grace' };
    return { ms: needs, why: `its agent redials within ${AGENT_REDIAL.firstRetryMs} ms and connected in ${connect} ms` };
  }

  /** The host's stream ended without a grace (Goodbye), or the host is gone. */
  detach(hostId: string): void {
    this.since.delete(hostId);
    this.awaitingFirst.delete(hostId);
  }

  /** The host is removed for good. */
  forget(hostId: string): void {
    this.detach(hostId);
    this.fastestConnect.delete(hostId);
  }
}
