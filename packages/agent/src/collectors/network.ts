import { quoteText } from '@vigil/shared';
import { readProcText } from '../proc-text.js';
import { uptime } from 'node:os';
import type { Collector, MonotonicMs, NetworkSample } from './types.js';
import { monotonicMs } from './types.js';

/** Cumulative counters of one interface as /proc/net/dev reports them. */
export interface NetCounters {
  readonly name: string;
  readonly rxBytes: number;
  readonly rxErrors: number;
  readonly txBytes: number;
  readonly txErrors: number;
}

export async function readNetDev(): Promise<string> {
  return readProcText('/proc/net/dev');
}

/**
 * Parses /proc/net/dev: two header lines, then `name: 8 receive columns 8 transmit
 * columns`. Old kernels print no space after the colon, so split on it rather than on
 * whitespace.
 */
export function parseNetDev(text: string): NetCounters[] {
  const out: NetCounters[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const cols = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (!name || cols.length < 16 || cols.some((n) => !Number.isFinite(n))) throw new Error(`/proc/net/dev: cannot parse ${quoteText(line.trim())}`);
    out.push({ name, rxBytes: cols[0]!, rxErrors: cols[2]!, txBytes: cols[8]!, txErrors: cols[10]! });
  }
  return out;
}

/**
 * Byte rates between two readings `elapsedSec` apart. An interface missing from the
 * previous reading appeared since then, so its counters started from zero. A counter
 * that went down (interface re-created, 32-bit wrap) gives rate 0 for this one sample.
 */
export function networkRates(prev: readonly NetCounters[], cur: readonly NetCounters[], elapsedSec: number): NetworkSample[] {
  const before = new Map(prev.map((c) => [c.name, c]));
  return cur.map((c) => {
    const p = before.get(c.name);
    return {
      name: c.name,
      rxBytesPerSec: rate(p?.rxBytes ?? 0, c.rxBytes, elapsedSec),
      txBytesPerSec: rate(p?.txBytes ?? 0, c.txBytes, elapsedSec),
      rxErrors: c.rxErrors,
      txErrors: c.txErrors,
    };
  });
}

function rate(before: number, after: number, elapsedSec: number): number {
  if (elapsedSec <= 0 || after < before) return 0;
  return Math.round(((after - before) / elapsedSec) * 100) / 100;
}

/** Loopback traffic never leaves the host, so it says nothing about the host's network. */
export function isReportedInterface(name: string): boolean {
  return name !== 'lo';
}

export interface NetworkCollectorDeps {
  read?: () => Promise<string>;
  now?: MonotonicMs;
  /** Seconds since boot: the first sample's rates are averages since boot. */
  uptimeSec?: () => number;
}

export function createNetworkCollector(deps: NetworkCollectorDeps = {}): Collector {
  const read = deps.read ?? readNetDev;
  const now = deps.now ?? monotonicMs;
  const uptimeSec = deps.uptimeSec ?? uptime;
  let prev: { at: number; counters: NetCounters[] } | undefined;
  return {
    name: 'network',
    async collect() {
      const counters = parseNetDev(await read()).filter((c) => isReportedInterface(c.name));
      const at = now();
      const elapsedSec = prev ? (at - prev.at) / 1000 : uptimeSec();
      const network = networkRates(prev?.counters ?? [], counters, elapsedSec);
      prev = { at, counters };
      return { network };
    },
  };
}
