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
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

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
