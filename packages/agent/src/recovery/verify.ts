import { summariseList, type Clock } from '@vigil/shared';
import { runCheck, type CheckContext, type HealthCheck } from '../checks/check.js';
import type { ServiceManager } from '../services/manager.js';
import type { Sleeper } from './wake.js';

/** A step's or a verification's outcome. */
export interface Verdict {
  ok: boolean;
  detail: string;
  /** When the service was seen running and passing its http/tcp probes again (epoch ms), when the verdict knows. */
  servingAt?: number;
}

/** A check that proves the service serves (http, tcp), with how many failures in a row it tolerates. */
export interface Probe {
  check: HealthCheck;
  failuresBeforeCritical: number;
}

export interface VerifyDeps {
  manager: ServiceManager;
  clock: Clock;
  sleeper: Sleeper;
  signal: AbortSignal;
  probes: readonly Probe[];
  checkContext: CheckContext;
  /** How often status and probes are retried while waiting for a start. */
  pollMs: number;
  /** How often a watch samples the service. */
  intervalMs: number;
  /** How many exits of the service's main process the manager has reported (systemd reports none). */
  exitCount(): number;
}

/**
 * Taken just before a start: when it was issued and how many exits had been seen, so an
 * exit counts against this start only if it came after it (counted, not timed: a crash
 * and a restart can fall in the same millisecond).
 */
export interface StartMark {
  at: number;
  exits: number;
}

export function markStart(deps: Pick<VerifyDeps, 'clock' | 'exitCount'>): StartMark {
  return { at: deps.clock.now(), exits: deps.exitCount() };
}

const diedSince = (deps: VerifyDeps, mark: StartMark) => deps.exitCount() > mark.exits;

/**
 * After a start: the service must reach `running`, every probe must pass once (it serves),
 * and it must still be running `stableAfterStartMs` later, all within `startTimeoutMs` of
 * the start (the stable wait comes on top). Fails at once when it exits meanwhile.
 */
export async function verifyRunning(deps: VerifyDeps, mark: StartMark, opts: { startTimeoutMs: number; stableAfterStartMs: number }): Promise<Verdict> {
  const { manager, clock, sleeper } = deps;
  const startedAt = mark.at;
  const deadline = startedAt + opts.startTimeoutMs;
  const left = () => deadline - clock.now();

  for (;;) {
    if (deps.signal.aborted) return { ok: false, detail: 'aborted' };
    if (diedSince(deps, mark)) return { ok: false, detail: `exited during start: ${(await manager.status()).detail ?? ''}`.trim() };
    const st = await manager.status();
    if (st.state === 'running') break;
    // It went down after the start was issued: no need to wait out the timeout.
    if ((st.state === 'failed' || st.state === 'inactive') && st.since !== undefined && st.since >= startedAt) {
      return { ok: false, detail: `${st.state} after start: ${st.detail ?? ''}`.trim() };
    }
    if (left() <= 0) return { ok: false, detail: `not running within ${opts.startTimeoutMs} ms (${st.state}${st.detail ? `: ${st.detail}` : ''})` };
    await sleeper.sleep(Math.min(deps.pollMs, left()));
  }

  let pending = [...deps.probes];
  let lastFailure = '';
  while (pending.length > 0) {
    if (deps.signal.aborted) return { ok: false, detail: 'aborted' };
    const results = await Promise.all(pending.map(async (p) => ({ p, r: await runCheck(p.check, deps.checkContext) })));
    pending = results.filter(({ r }) => !r.ok).map(({ p }) => p);
    const failed = results.find(({ r }) => !r.ok);
    if (failed) lastFailure = `${failed.p.check.name}: ${failed.r.detail}`;
    if (pending.length === 0) break;
    if (diedSince(deps, mark)) return { ok: false, detail: `exited during start (${lastFailure})` };
    if (left() <= 0) return { ok: false, detail: `not serving within ${opts.startTimeoutMs} ms (${lastFailure})` };
    await sleeper.sleep(Math.min(deps.pollMs, left()));
  }

  // Serving from here on; the stable wait below only confirms it.
  const servingAt = clock.now();
  if (opts.stableAfterStartMs > 0) {
    const woke = await sleeper.sleep(opts.stableAfterStartMs);
    if (woke === 'aborted') return { ok: false, detail: 'aborted' };
  }
  if (diedSince(deps, mark)) return { ok: false, detail: `exited within ${opts.stableAfterStartMs} ms of starting: ${(await manager.status()).detail ?? ''}`.trim() };
  const st = await manager.status();
  if (st.state !== 'running') return { ok: false, detail: `${st.state} within ${opts.stableAfterStartMs} ms of starting${st.detail ? `: ${st.detail}` : ''}` };
  const serving = deps.probes.length > 0 ? `, serving (${deps.probes.map((p) => p.check.name).join(', ')})` : '';
  return { ok: true, detail: `running (pids ${summariseList(st.pids) || '?'})${serving} after ${clock.now() - startedAt} ms`, servingAt };
}

/**
 * Watches a restarted service for `durationMs`: it fails as soon as the process exits, the
 * status leaves `running`, or a probe fails as often in a row as its hysteresis allows.
 */
export async function watchService(deps: VerifyDeps, durationMs: number): Promise<Verdict> {
  const { manager, clock, sleeper } = deps;
  const mark = markStart(deps);
  const start = mark.at;
  const end = start + durationMs;
  const failures = new Map<Probe, number>();
  for (;;) {
    if (deps.signal.aborted) return { ok: false, detail: 'aborted' };
    if (clock.now() >= end) return { ok: true, detail: `stayed up and passing for ${durationMs} ms` };
    const woke = await sleeper.sleep(Math.min(deps.intervalMs, end - clock.now()));
    if (woke === 'aborted') return { ok: false, detail: 'aborted' };
    if (diedSince(deps, mark)) return { ok: false, detail: `exited ${clock.now() - start} ms into the ${durationMs} ms watch: ${(await manager.status()).detail ?? ''}`.trim() };
    const st = await manager.status();
    if (st.state !== 'running') return { ok: false, detail: `${st.state} ${clock.now() - start} ms into the ${durationMs} ms watch${st.detail ? `: ${st.detail}` : ''}` };
    for (const p of deps.probes) {
      const r = await runCheck(p.check, deps.checkContext);
      const n = r.ok ? 0 : (failures.get(p) ?? 0) + 1;
      failures.set(p, n);
      if (n >= p.failuresBeforeCritical) return { ok: false, detail: `${p.check.name} failed ${n} times in a row during the watch: ${r.detail}` };
    }
  }
}
