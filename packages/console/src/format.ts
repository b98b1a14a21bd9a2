/** Short human times: "12 s ago", "in 4 min". */
export function relative(iso: string | number | null, now = Date.now()): string {
  if (iso === null) return 'never';
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (Number.isNaN(t)) return String(iso);
  const d = t - now;
  const a = Math.abs(d);
  const text = a < 60_000 ? `${Math.round(a / 1000)} s` : a < 3_600_000 ? `${Math.round(a / 60_000)} min` : a < 86_400_000 ? `${(a / 3_600_000).toFixed(1)} h` : `${(a / 86_400_000).toFixed(1)} d`;
  return d < 0 ? `${text} ago` : `in ${text}`;
}

export function clock(iso: string | number | null): string {
  if (iso === null) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(undefined, { hour12: false });
}

export const pct = (x: number) => `${Math.round(x * 100)} %`;

export const classWords: Record<string, string> = {
  network_issue: 'network issue',
  server_hardware_issue: 'server hardware issue',
  service_failure: 'service failure',
  partial_failure: 'partial failure',
  agent_failure: 'agent failure',
  observer_partition: 'observer partition',
  healthy: 'healthy',
};
