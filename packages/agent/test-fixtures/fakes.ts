// In-memory stand-ins for the fake-clock tests of the recovery engine.
import type { Clock, FakeClock } from '@vigil/shared';
import type { CheckContext, CheckResult, HealthCheck } from '../src/checks/check.js';
import type { ExitNotice, LogLine, ServiceManager, ServiceState, ServiceStatus, StopResult, Unsubscribe } from '../src/services/manager.js';
import type { ManagerKind } from '../src/services/schema.js';

/**
 * A service whose behaviour each test scripts: `onStart` decides what a start leads to
 * (running, or failed), `crash()` kills it (with an exit notice for a process kind).
 * Every action is recorded in `calls`.
 */
export class FakeManager implements ServiceManager {
  readonly calls: string[] = [];
  state: ServiceState = 'running';
  since: number;
  detail = '';
  private nextPid = 100;
  pidList: number[] = [this.nextPid];
  logs: LogLine[] = [];
  private readonly exitCbs = new Set<(n: ExitNotice) => void>();
  /** What each start does; by default the service comes up. */
  onStart: () => void = () => this.up();

  constructor(
    private readonly clock: Clock,
    readonly kind: ManagerKind = 'systemd',
    readonly name = 'svc',
  ) {
    this.since = clock.now();
  }

  up(): void {
    this.state = 'running';
    this.pidList = [++this.nextPid];
    this.since = this.clock.now();
    this.detail = 'active (running)';
  }

  /** The service dies; a process service says so at once. */
  crash(detail = 'killed by signal SIGKILL'): void {
    const pid = this.pidList[0] ?? 0;
    this.state = 'failed';
    this.pidList = [];
    this.since = this.clock.now();
    this.detail = detail;
    if (this.kind === 'process') for (const cb of this.exitCbs) cb({ pid, code: null, signal: 'SIGKILL', at: this.clock.now() });
  }

  /** Crashes `ms` after now, on the fake clock. */
  crashIn(clock: FakeClock, ms: number): void {
    clock.setTimeout(() => this.crash(), ms);
  }

  async status(): Promise<ServiceStatus> {
    return { state: this.state, pids: [...this.pidList], since: this.since, detail: this.detail };
  }
  async start(): Promise<void> {
    this.calls.push('start');
    if (this.state !== 'running') this.onStart();
  }
  async stop(graceMs: number): Promise<StopResult> {
    this.calls.push(`stop ${graceMs}`);
    const had = this.pidList.length > 0;
    this.state = 'inactive';
    this.pidList = [];
    this.since = this.clock.now();
    return { exited: true, forced: false, waitedMs: had ? 10 : 0 };
  }
  async forceKill(): Promise<void> {
    this.calls.push('forceKill');
    this.pidList = [];
    if (this.state === 'running') this.state = 'failed';
  }
  async resetFailed(): Promise<void> {
    this.calls.push('resetFailed');
    if (this.state === 'failed') this.state = 'inactive';
  }
  async daemonReload(): Promise<void> {
    this.calls.push('daemonReload');
  }
  async restart(): Promise<void> {
    this.calls.push('restart');
    this.state = 'inactive';
    this.onStart();
  }
  async pids(): Promise<number[]> {
    return [...this.pidList];
  }
  onExit(cb: (n: ExitNotice) => void): Unsubscribe {
    this.exitCbs.add(cb);
    return () => this.exitCbs.delete(cb);
  }
  async recentLogs(sinceMs: number): Promise<LogLine[]> {
    this.calls.push(`recentLogs ${sinceMs}`);
    return this.logs.filter((l) => l.at >= sinceMs);
  }
  onLog(): Unsubscribe {
    return () => {};
  }
  async close(): Promise<void> {}
  /** Actions only (no status reads). */
  actions(): string[] {
    return this.calls.filter((c) => !c.startsWith('recentLogs'));
  }
}

/** A check whose result the test sets; it counts its runs. */
export class FakeCheck implements HealthCheck {
  ok = true;
  runs = 0;
  constructor(
    readonly name: string,
    readonly type: HealthCheck['type'] = 'http',
    private readonly verdict?: () => boolean,
  ) {}
  async run(_ctx: CheckContext): Promise<CheckResult> {
    this.runs++;
    const ok = this.verdict ? this.verdict() : this.ok;
    return { ok, detail: ok ? 'HTTP 200 in 1 ms' : 'ECONNREFUSED', durationMs: 1 };
  }
}

/** Lets promise chains settle between fake-clock moves. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Advances the fake clock in small steps, letting async work run after each. */
export async function advance(clock: FakeClock, ms: number, stepMs = 50): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    clock.advance(Math.min(stepMs, ms - done));
    await settle();
  }
}
