import type { Palette } from './color.js';

/** "12s ago", "3m ago", "2h ago", "4d ago" from an ISO time; "-" for none. */
export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 0) return `in ${span(-s)}`;
  return `${span(s)} ago`;
}

/** "in 5m" for a time ahead. */
export function until(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((t - now) / 1000);
  return s >= 0 ? `in ${span(s)}` : `${span(-s)} ago`;
}

function span(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return two(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'm');
  return two(Math.floor(s / 86_400), 'd', Math.floor((s % 86_400) / 3600), 'h');
}

/** "2h", "1h59m": the second unit only when it is not zero. */
const two = (a: number, ua: string, b: number, ub: string) => `${a}${ua}${b > 0 ? `${b}${ub}` : ''}`;

/** A host or incident state in the colour a person reads first. */
export function stateColour(state: string, c: Palette): string {
  switch (state) {
    case 'online':
    case 'resolved':
    case 'healthy':
    case 'running':
    case 'ok':
      return c.green(state);
    case 'suspect':
    case 'acknowledged':
    case 'degraded':
      return c.yellow(state);
    case 'silent':
    case 'open':
    case 'failed':
    case 'down':
      return c.red(state);
    default:
      return state;
  }
}

/** true/false/null as a check result. */
export function tri(v: unknown, c: Palette): string {
  return v === true ? c.green('ok') : v === false ? c.red('fail') : c.dim('-');
}

export const labelsText = (labels: Record<string, string> | undefined): string =>
  Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || '-';

/** A fact's truth value: facts are questions (ssh_ok? stream_closed?), not pass/fail. */
export function yesNo(v: boolean, c: Palette): string {
  return v ? c.cyan('yes') : c.yellow('no');
}
