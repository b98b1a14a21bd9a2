import type { Palette } from '../output/color.js';
import type { ProbeResult, VantageReport } from './views.js';

export const VANTAGE_HEADER = ['VANTAGE', 'KIND', 'PING', 'DNS', 'SSH', 'PORTS', 'NOTE'];

function probe(p: ProbeResult | undefined, c: Palette): string {
  if (!p) return c.dim('-');
  if (p.refused) return c.dim('refused');
  return p.ok ? c.green(`ok ${Math.round(p.durationMs)}ms`) : c.red(`fail${p.error ? ` (${p.error.split(':')[0]})` : ''}`);
}

/** One vantage's answer as a table row: what it saw of each check. */
export function vantageRow(v: VantageReport, c: Palette): string[] {
  const ports = Object.entries(v.ports ?? {}).map(([port, p]) => `${port}:${p.ok ? 'ok' : 'fail'}`).join(',') || c.dim('-');
  return [v.vantage, v.kind, probe(v.ping, c), probe(v.dns, c), probe(v.ssh, c), ports, v.healthy ? (v.error ?? '') : c.red(`unhealthy: ${v.error ?? ''}`)];
}
