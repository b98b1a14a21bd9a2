import type { Clock, TimerHandle } from '@vigil/shared';
import { IntervalWindow, phi, yAtPhi } from './phi-accrual.js';

export interface SilenceDetectorOptions {
  /** @default 8 */
  phiThreshold: number;
  /** Never silent before this many announced intervals. @default 1.75 */
  floorIntervals: number;
  /** Always silent after this many announced intervals. @default 2 */
  ceilingIntervals: number;
  /** Lower bound of the floor in ms: at tiny intervals timer jitter dominates. @default 1000 */
  minFloorMs: number;
  /**
   * The longest between two checks of the deadlines, in ms. A deadline nearer than that is
   * checked when it falls due, not on the next tick of a fixed grid. @default 100
   */
  sweepMs: number;
  /** Inter-arrival samples kept per host. @default 100 */
  windowSize: number;
  /**
   * Run each sweep after the I/O already waiting (setImmediate), so heartbeats that
   * arrived while the loop was busy are read before anyone is judged. Off under a fake
   * clock, where nothing else runs. @default true
   */
  deferSweep: boolean;
}

/**
 * A sweep this late means the coordinator stalled, not the hosts. A quarter of the
 * shortest floor (1 s liveness → 1.75 s): a stall that eats that much of a host's
 * window must not be blamed on the host.
 */
const STALL_MS = 400;
/**
 * Two arrivals of the watched signal closer than this many periods are one beat that came
 * two ways, not a sample of the host's rhythm. Half a period: an agent that really beats
 * twice as fast as it announced still has its gaps learned.
 */
const DUPLICATE_GAP = 0.5;
/**
 * A gap this many periods long ended in a late beat, off the agent's grid: a quarter period
 * late is 250 ms at the default 1 s, the least stall an agent reports. The gap after it is
 * the agent getting back onto its grid, not its rhythm.
 */
const LATE_GAP = 1.25;
/** Ready descriptors libuv takes from one epoll_wait, so one loop turn reads at most this many sockets. */
const READY_PER_TURN = 1024;

/**
 * What a host's arrivals are. `liveness`: the agent's cheap liveness message, at a short
 * period (docs/contract.md); `heartbeat`: the sample heartbeat, for agents that send no
 * liveness. A host is watched at the period of one of them and learns its rhythm from that
 * one only; the other still proves it alive (moves its deadline) without skewing the rhythm.
 */
export type ArrivalSignal = 'liveness' | 'heartbeat';

export const DEFAULT_DETECTOR_OPTIONS: SilenceDetectorOptions = {
  phiThreshold: 8,
  floorIntervals: 1.75,
  ceilingIntervals: 2,
  minFloorMs: 1000,
  sweepMs: 100,
  windowSize: 100,
  deferSweep: true,
};

/**
 * Which hosts a sweep judges: every one, only those whose arrivals `beforeSweep` reads in
 * (`setExact`), or only those whose arrivals come in on this thread's own sockets.
 */
export type SweepScope = 'all' | 'exact' | 'loop';

type WindowOptions = Pick<SilenceDetectorOptions, 'floorIntervals' | 'ceilingIntervals' | 'minFloorMs'>;

/** Never silent before this after an arrival: a late arrival is not an alarm. */
export function floorFor(intervalMs: number, o: WindowOptions): number {
  return Math.max(intervalMs * o.floorIntervals, o.minFloorMs);
}

/**
 * The longest a host with this period may be quiet before it is judged: the ceiling,
 * never under the floor. The one derivation of the window; the registry's "is the
 * attached stream still alive" test uses it too.
 */
export function detectionWindowFor(intervalMs: number, o: WindowOptions): number {
  return Math.max(intervalMs * o.ceilingIntervals, floorFor(intervalMs, o));
}

interface Watch {
  /** The period of the watched signal: the liveness period, or the heartbeat interval. */
  intervalMs: number;
  signal: ArrivalSignal;
  lastArrival: number;
  /** The last arrival of the watched signal: its gaps are the host's rhythm. */
  lastLearned: number;
  window: IntervalWindow;
  deadline: number;
  fired: boolean;
  /** False until the first heartbeat: Hello → first heartbeat is no heartbeat interval. */
  primed: boolean;
  /**
   * The next gap is the agent getting back onto its grid after a silence or a late beat,
   * not its rhythm (see `arrival`).
   */
  realigning: boolean;
  /** How far the coordinator's own stalls moved the deadline since the last arrival. */
  forgiven: number;
  /**
   * Its arrivals are read in before each sweep with their own times (liveness datagrams):
   * none sits unread while this thread stands still, so this thread's stalls are not
   * forgiven; only the stalls of the source that read them are.
   */
  exact: boolean;
}

export interface SilenceVerdict {
  hostId: string;
  silentForMs: number;
  phi: number;
  deadlineMs: number;
}

/**
 * Watches heartbeat arrivals per host and calls `onSilent` once when a host's phi crosses
 * the threshold, clamped between a floor (a heartbeat half an interval late is not an
 * alarm) and a ceiling (a host is declared silent within about two intervals even when its
 * history is noisy). Runs on an injected clock; start/stop like Consul's TTL checks.
 */
export class SilenceDetector {
  private readonly opts: SilenceDetectorOptions;
  private readonly watches = new Map<string, Watch>();
  private readonly yThreshold: number;
  private timer: TimerHandle | undefined;
  private running = false;
  private lastSweepAt = 0;
  /**
   * The earliest deadline not yet passed of each kind of host, as the last sweep of them
   * left it: the earlier is when the next sweep is due.
   */
  private readonly nextDeadline = { exact: Infinity, loop: Infinity };
  /**
   * Watched hosts whose arrivals come in on this thread's own sockets (not `exact`): after
   * a stall, the sweep waits the loop turns needed to read their sockets, and no more.
   */
  private readOnLoop = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onSilent: (verdict: SilenceVerdict) => void,
    options: Partial<SilenceDetectorOptions> = {},
  ) {
    this.opts = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
    this.yThreshold = yAtPhi(this.opts.phiThreshold);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastSweepAt = this.clock.now();
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Starts (or restarts) watching a host. `graceMs`, when given, replaces the first
   * deadline: hosts loaded after a coordinator restart get one detection window to
   * reconnect, measured from now, not from a heartbeat received before the restart.
   */
  watch(hostId: string, intervalMs: number, graceMs?: number, signal: ArrivalSignal = 'heartbeat'): void {
    const now = this.clock.now();
    const w: Watch = { intervalMs, signal, lastArrival: now, lastLearned: now, window: new IntervalWindow(this.opts.windowSize), deadline: 0, fired: false, primed: false, realigning: false, forgiven: 0, exact: false };
    w.deadline = graceMs === undefined ? this.deadlineFor(w) : now + graceMs;
    this.unwatch(hostId);
    this.watches.set(hostId, w);
    this.readOnLoop++;
  }

  /** Records a heartbeat; returns false if the host is not watched. */
  heartbeat(hostId: string): boolean {
    return this.arrival(hostId, 'heartbeat');
  }

  /**
   * Records a liveness message or datagram; returns false if the host is not watched.
   * `atMs`: when it arrived, where that was earlier than now (a datagram taken by the
   * receiver thread while this one was busy); never before the host's last arrival.
   */
  liveness(hostId: string, atMs?: number): boolean {
    return this.arrival(hostId, 'liveness', atMs);
  }

  /**
   * Called at the start of every sweep: arrivals recorded elsewhere (the datagram
   * receiver's board) are read in first, so no verdict misses one. Returns how long that
   * source itself has stood still (0: it is current), which is what is forgiven to hosts
   * watched by it (`setExact`).
   */
  beforeSweep: () => number = () => 0;

  /** Whether a host's arrivals come from the `beforeSweep` source (see Watch.exact). */
  setExact(hostId: string, exact: boolean): void {
    const w = this.watches.get(hostId);
    if (!w || w.exact === exact) return;
    w.exact = exact;
    this.readOnLoop += exact ? -1 : 1;
  }

  private arrival(hostId: string, signal: ArrivalSignal, atMs?: number): boolean {
    const w = this.watches.get(hostId);
    if (!w) return false;
    const clockNow = this.clock.now();
    const now = atMs === undefined ? clockNow : Math.max(w.lastArrival, Math.min(atMs, clockNow));
    if (signal === w.signal) {
      const gap = now - w.lastLearned;
      // A second copy of one beat: an agent sends each liveness on the stream as well as by
      // datagram until the coordinator says it hears the datagrams, and the two land within
      // milliseconds. Learned, that near-zero gap would stay in the window for a hundred
      // beats and hold every deadline at the ceiling instead of the floor. It still proves
      // the host alive (below); the next gap runs from the first copy.
      const secondCopy = !w.fired && w.primed && gap < w.intervalMs * DUPLICATE_GAP;
      if (!secondCopy) {
        // After a silence the gap is an outage, not a sample of the host's rhythm; nor is the
        // gap between Hello and the first arrival (an agent beats at once after Welcome).
        const learned = !w.fired && w.primed && !w.realigning;
        if (learned) w.window.add(gap);
        // Nor is the gap after a beat off the agent's grid: the first after a silence (it
        // stood still: frozen, its link down) or a late one (its loop stalled: a GC, a
        // flood, a blocked call). The agent's next beat is at its next grid point, anywhere
        // in one period. A late gap is the host's rhythm and is learned; the catch-up after
        // it is not. Learned, the catch-ups would widen the window of a host that flaps or
        // stalls now and then, and its next outage would be judged at the ceiling instead
        // of the floor.
        if (w.fired) w.realigning = true;
        else if (w.primed) w.realigning = learned && gap > w.intervalMs * LATE_GAP;
        w.primed = true;
        w.lastLearned = now;
      }
    } else if (w.fired) {
      // Back after a silence through the other signal: the watched one's next gap spans
      // the outage, so it is not learned either, nor the one after it.
      w.primed = false;
      w.realigning = true;
    }
    w.lastArrival = now;
    w.forgiven = 0;
    w.fired = false;
    w.deadline = this.deadlineFor(w);
    return true;
  }

  /**
   * A watched host's period or signal changed (a new liveness grant): the rhythm learned at
   * the old period says nothing about the new one, so it is learned again; and the agent
   * keeps its old pace until it gets the grant, so the deadline is never brought forward.
   */
  repace(hostId: string, intervalMs: number, signal: ArrivalSignal): boolean {
    const w = this.watches.get(hostId);
    if (!w) return false;
    w.intervalMs = intervalMs;
    w.signal = signal;
    w.window = new IntervalWindow(this.opts.windowSize);
    w.primed = false;
    if (!w.fired) w.deadline = Math.max(w.deadline, this.clock.now() + this.windowOf(w));
    return true;
  }

  unwatch(hostId: string): void {
    const w = this.watches.get(hostId);
    if (!w) return;
    if (!w.exact) this.readOnLoop--;
    this.watches.delete(hostId);
  }

  isWatched(hostId: string): boolean {
    return this.watches.has(hostId);
  }

  get size(): number {
    return this.watches.size;
  }

  /** Current phi of a host, for the API and diagnostics. */
  phiOf(hostId: string): number | undefined {
    const w = this.watches.get(hostId);
    if (!w) return undefined;
    const { mean, sd } = this.stats(w);
    return phi(this.clock.now() - w.lastArrival, mean, sd);
  }

  deadlineOf(hostId: string): number | undefined {
    return this.watches.get(hostId)?.deadline;
  }

  private stats(w: Watch): { mean: number; sd: number } {
    // Too few samples say little: lean on the announced interval until the window fills.
    const mean = w.window.size >= 3 ? w.window.mean : w.intervalMs;
    const sd = Math.max(w.window.size >= 3 ? w.window.stdDev : 0, w.intervalMs / 10);
    return { mean, sd };
  }

  private floorOf(w: Watch): number {
    return floorFor(w.intervalMs, this.opts);
  }

  private windowOf(w: Watch): number {
    return detectionWindowFor(w.intervalMs, this.opts);
  }

  private deadlineFor(w: Watch): number {
    const { mean, sd } = this.stats(w);
    const byPhi = mean + this.yThreshold * sd;
    return w.lastArrival + Math.min(this.windowOf(w), Math.max(this.floorOf(w), byPhi));
  }

  /**
   * Checks every deadline; exposed so tests and benchmarks can drive a sweep directly.
   * `lateMs` is how late this sweep runs: when the coordinator itself stalled (GC, a
   * burst of work), heartbeats that arrived meanwhile are still unread, so the deadlines
   * move by the stall instead of blaming the hosts for it. By one detection window at
   * most between two arrivals: a coordinator that stalls again and again must not push a
   * dead host's deadline ahead forever (it is then reported late, never missed).
   * `exactStaleMs`: how long the `beforeSweep` source has stood still; hosts it feeds
   * (`setExact`) are forgiven that, not this thread's stalls. `scope`: which hosts it
   * judges (SweepScope).
   */
  sweep(lateMs = 0, exactStaleMs = 0, scope: SweepScope = 'all'): void {
    const now = this.clock.now();
    const ownStall = lateMs > STALL_MS ? lateMs : 0;
    // Hosts fed by the beforeSweep source are not judged on what it could not read while it
    // stood still: each sweep of that time moves their deadlines by the time it covers.
    const sourceStall = exactStaleMs > STALL_MS ? Math.max(0, now - this.lastSweepAt) : 0;
    // The time the next of these sweeps covers starts here; a sweep of the others covers none.
    if (scope !== 'loop') this.lastSweepAt = now;
    const next = { exact: Infinity, loop: Infinity };
    for (const [hostId, w] of this.watches) {
      if (w.fired || (scope === 'exact' && !w.exact) || (scope === 'loop' && w.exact)) continue;
      const stall = w.exact ? sourceStall : ownStall;
      const window = stall > 0 ? this.windowOf(w) : 0;
      if (w.forgiven < window) {
        const moved = Math.min(stall, window - w.forgiven);
        w.deadline += moved;
        w.forgiven += moved;
      }
      if (now < w.deadline) {
        const kind = w.exact ? 'exact' : 'loop';
        if (w.deadline < next[kind]) next[kind] = w.deadline;
        continue;
      }
      w.fired = true;
      const { mean, sd } = this.stats(w);
      this.onSilent({ hostId, silentForMs: now - w.lastArrival, phi: phi(now - w.lastArrival, mean, sd), deadlineMs: w.deadline });
    }
    // A partial sweep saw only its own kind's deadlines.
    if (scope !== 'loop') this.nextDeadline.exact = next.exact;
    if (scope !== 'exact') this.nextDeadline.loop = next.loop;
  }

  private schedule(): void {
    if (!this.running) return;
    // At the next deadline when it comes before the next tick: a host is judged when its
    // window ends, not up to a tick later (that tick was most of a frozen host's p99 over
    // the floor). A deadline set between two sweeps (an arrival, a new watch) is at least a
    // floor away, more than a tick, so the next sweep takes it into account in time. While
    // hosts are heard, every deadline is most of a window away: still one sweep a tick.
    const now = this.clock.now();
    const nextDeadline = Math.min(this.nextDeadline.exact, this.nextDeadline.loop);
    const delay = Math.max(1, Math.min(this.opts.sweepMs, Math.ceil(nextDeadline - now)));
    const due = now + delay;
    this.timer = this.clock.setTimeout(() => {
      // beforeSweep reads the board in for every host (a stream's datagrams arrive before it
      // is told they are heard), once a tick: it looks at every open slot.
      const judge = (scope: SweepScope): boolean => {
        if (!this.running) return false;
        let sourceStale = 0;
        if (scope !== 'loop') {
          try {
            sourceStale = this.beforeSweep();
          } catch {
            // Its own errors are its to report; the sweep (and every later one) runs regardless.
          }
        }
        this.sweep(this.clock.now() - due, sourceStale, scope);
        return true;
      };
      // Hosts fed by datagrams are judged now, off the receiver's board: nothing of theirs
      // waits in this thread's sockets, and the poll phase ahead (on a busy coordinator, a
      // backlog of heartbeats) took up to 2.8 s at 15,000 agents. When every host is, that
      // one pass is the whole sweep.
      if (!this.opts.deferSweep || this.readOnLoop === 0) {
        if (judge('all')) this.schedule();
        return;
      }
      const split = this.readOnLoop < this.watches.size;
      if (split) judge('exact');
      const run = () => {
        if (judge(split ? 'loop' : 'all')) this.schedule();
      };
      // The others after the I/O already waiting is read: heartbeats that arrived while the
      // loop was busy come first. One loop turn reads at most READY_PER_TURN ready sockets,
      // and after a stall most of their sockets have something waiting: judge them only
      // after enough turns to read them all, or hosts whose liveness sits unread would be
      // judged on the first turn. Only they count: waiting a turn per 1,024 hosts fed by
      // datagrams as well (15 turns at 15,000) held verdicts back by seconds.
      const turns = this.clock.now() - due > STALL_MS ? Math.max(1, Math.ceil(this.readOnLoop / READY_PER_TURN)) : 1;
      let left = turns;
      const next = () => (--left > 0 ? setImmediate(next) : run());
      setImmediate(next);
    }, delay);
  }
}
