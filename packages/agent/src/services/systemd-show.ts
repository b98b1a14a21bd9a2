import { constants } from 'node:os';
import type { ServiceStatus } from './manager.js';

/*
 * Pure parsing of `systemctl show UNIT --property=...` (systemd.exec(5), org.freedesktop.systemd1(5)).
 * Reading (running systemctl) lives in systemd.ts.
 */

/** The properties the agent asks for; systemd prints them in its own order, not this one. */
export const SHOW_PROPERTIES = [
  'Id',
  'LoadState',
  'ActiveState',
  'SubState',
  'Result',
  'MainPID',
  'ExecMainPID',
  'ExecMainCode',
  'ExecMainStatus',
  'NRestarts',
  'ControlGroup',
  'StateChangeTimestampMonotonic',
  'ActiveEnterTimestampMonotonic',
  'InactiveEnterTimestampMonotonic',
] as const;

/** `Key=Value` lines to a map. A value may itself hold `=` (ExecStart=... argv[]=...), so split at the first one. */
export function parseShowOutput(text: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    props.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return props;
}

export interface UnitProperties {
  id: string;
  loadState: string;
  activeState: string;
  subState: string;
  result: string;
  mainPid: number;
  /** The main process of the last run (still set after it exited). */
  execMainPid: number;
  execMainCode: number;
  execMainStatus: number;
  nRestarts: number;
  controlGroup: string;
  /** Monotonic µs since boot (CLOCK_MONOTONIC); 0 when never. */
  stateChangeMonotonicUs: number;
  activeEnterMonotonicUs: number;
  inactiveEnterMonotonicUs: number;
}

/**
 * A whole number as systemd prints it; anything else (`[not set]`, empty, damaged text)
 * is 0, "none". `Number()` alone would let "1.5" through as a pid, which the contract
 * then refuses in every heartbeat.
 */
function int(props: Map<string, string>, key: string): number {
  const v = props.get(key);
  if (v === undefined || !/^-?\d{1,16}$/.test(v)) return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : 0;
}

export function toUnitProperties(props: Map<string, string>): UnitProperties {
  return {
    id: props.get('Id') ?? '',
    loadState: props.get('LoadState') ?? '',
    activeState: props.get('ActiveState') ?? '',
    subState: props.get('SubState') ?? '',
    result: props.get('Result') ?? '',
    mainPid: int(props, 'MainPID'),
    execMainPid: int(props, 'ExecMainPID'),
    execMainCode: int(props, 'ExecMainCode'),
    execMainStatus: int(props, 'ExecMainStatus'),
    nRestarts: int(props, 'NRestarts'),
    controlGroup: props.get('ControlGroup') ?? '',
    stateChangeMonotonicUs: int(props, 'StateChangeTimestampMonotonic'),
    activeEnterMonotonicUs: int(props, 'ActiveEnterTimestampMonotonic'),
    inactiveEnterMonotonicUs: int(props, 'InactiveEnterTimestampMonotonic'),
  };
}

function signalName(n: number): string {
  const found = Object.entries(constants.signals).find(([, v]) => v === n);
  return found ? found[0] : `signal ${n}`;
}

/** How the main process last ended, from ExecMainCode (CLD_EXITED=1, CLD_KILLED=2, CLD_DUMPED=3) and ExecMainStatus. */
export function describeMainExit(p: Pick<UnitProperties, 'execMainCode' | 'execMainStatus'>): string | undefined {
  switch (p.execMainCode) {
    case 1:
      return `main process exited with status ${p.execMainStatus}`;
    case 2:
      return `main process killed by signal ${p.execMainStatus} (${signalName(p.execMainStatus)})`;
    case 3:
      return `main process dumped core on signal ${p.execMainStatus} (${signalName(p.execMainStatus)})`;
    default:
      return undefined;
  }
}

/** The signal that ended the main process (ExecMainCode 2 or 3), the unit's Result= and that process's pid, when known. */
export function lastRun(p: Pick<UnitProperties, 'execMainCode' | 'execMainStatus' | 'result' | 'execMainPid'>): { signal?: string; result?: string; pid?: number } | undefined {
  const signal = p.execMainCode === 2 || p.execMainCode === 3 ? signalName(p.execMainStatus) : undefined;
  const result = p.result !== '' && p.result !== 'success' ? p.result : undefined;
  if (signal === undefined && result === undefined) return undefined;
  return { ...(signal !== undefined ? { signal } : {}), ...(result !== undefined ? { result } : {}), ...(p.execMainPid > 0 ? { pid: p.execMainPid } : {}) };
}

export interface ClockReading {
  /** Epoch ms now. */
  nowMs: number;
  /** CLOCK_MONOTONIC now, in µs: systemd's *Monotonic timestamps are on this clock. */
  monotonicNowUs: number;
}

/** A monotonic timestamp as epoch ms; monotonic time avoids parsing systemd's localised wall-clock text. */
function toEpochMs(monoUs: number, clock: ClockReading): number | undefined {
  if (monoUs <= 0) return undefined;
  return Math.round(clock.nowMs - (clock.monotonicNowUs - monoUs) / 1000);
}

/**
 * Maps a unit's properties to the manager's status. `activating (auto-restart)` counts as
 * failed: the service is down and systemd is only waiting to try again.
 */
export function unitStatus(p: UnitProperties, clock: ClockReading): Omit<ServiceStatus, 'pids'> {
  const since = toEpochMs(p.stateChangeMonotonicUs || (p.activeState === 'active' ? p.activeEnterMonotonicUs : p.inactiveEnterMonotonicUs), clock);
  const sub = `${p.activeState} (${p.subState})`;
  const exit = describeMainExit(p);
  const ended = lastRun(p);
  const withSince = (s: Omit<ServiceStatus, 'pids' | 'since'>): Omit<ServiceStatus, 'pids'> => {
    // A running unit's Result= and exit are those of an earlier run, not news about this one.
    const withEnd = s.state === 'running' || s.state === 'starting' || ended === undefined ? s : { ...s, ended };
    return since === undefined ? withEnd : { ...withEnd, since };
  };
  if (p.loadState === 'not-found') return withSince({ state: 'failed', detail: `unit ${p.id || '?'} not found` });
  if (p.loadState === 'masked') return withSince({ state: 'failed', detail: `unit ${p.id} is masked` });
  switch (p.activeState) {
    case 'active':
    case 'reloading':
      return withSince({ state: 'running', detail: sub });
    case 'activating':
      if (p.subState === 'auto-restart') return withSince({ state: 'failed', detail: [sub, p.result && `result ${p.result}`, exit].filter(Boolean).join(', ') });
      return withSince({ state: 'starting', detail: sub });
    case 'failed':
      return withSince({ state: 'failed', detail: [sub, p.result && `result ${p.result}`, exit].filter(Boolean).join(', ') });
    default:
      // inactive, deactivating, maintenance
      return withSince({ state: 'inactive', detail: [sub, exit].filter(Boolean).join(', ') });
  }
}
