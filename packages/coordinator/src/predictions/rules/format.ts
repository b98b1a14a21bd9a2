/** Human wording for summaries and reasons; one place so every rule reads alike. */

export function fmtNum(v: number, digits = 1): string {
  if (!Number.isFinite(v)) return String(v);
  return v.toFixed(Math.abs(v) >= 100 ? 0 : digits);
}

/** An error rate (fraction) as a percentage. */
export function fmtRate(v: number): string {
  return `${fmtNum(v * 100, 2)} %`;
}

export function fmtDuration(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = ms / 3_600_000;
  return `${h < 10 ? h.toFixed(1) : Math.round(h)} h`;
}

export function where(service: string, instance: string): string {
  const parts = [service, instance].filter((p) => p !== '');
  return parts.length ? `${parts.join(' ')} ` : '';
}
