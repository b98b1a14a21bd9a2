import type { Prediction, Sample } from './types.js';

const num = (x: number | string | undefined): number | undefined => (x === undefined ? undefined : Number(x));

/** The chartable values of one resource sample, in percent; both JSON spellings read. */
export function sampleValues(s: Sample): Record<string, number> {
  const out: Record<string, number> = {};
  const cpu = s.cpu?.usagePercent ?? s.cpu?.usage_percent;
  if (cpu !== undefined) out.cpu = cpu;
  const total = num(s.memory?.totalBytes ?? s.memory?.total_bytes);
  const used = num(s.memory?.usedBytes ?? s.memory?.used_bytes);
  if (total && used !== undefined) out.memory = (used / total) * 100;
  for (const fs of s.filesystems ?? []) {
    const t = num(fs.sizeBytes ?? fs.size_bytes);
    const u = num(fs.usedBytes ?? fs.used_bytes);
    if (fs.mount && t && u !== undefined) out[`disk:${fs.mount}`] = (u / t) * 100;
  }
  return out;
}

/** Which chart a prediction belongs on. */
export function metricOfPrediction(p: Prediction): string | null {
  if (p.metric === 'memory_percent') return 'memory';
  if (p.metric === 'disk_percent') return `disk:${p.instance ?? '/'}`;
  return null;
}

/**
 * The prediction's fitted line from the start of its evidence to its predicted failure
 * time (or an hour past now), from the trend's intercept and slope.
 */
export function fittedLine(p: Prediction, now: number): [number, number][] {
  const at = Date.parse(p.trend.at);
  const from = Date.parse(p.evidence.from);
  const end = p.trend.crossesAt ? Date.parse(p.trend.crossesAt) : p.predictedFailureAt ? Date.parse(p.predictedFailureAt) : now + 3_600_000;
  const v = (t: number) => p.trend.intercept + (p.trend.slopePerHour * (t - at)) / 3_600_000;
  return [from, at, end].filter((t, i, a) => Number.isFinite(t) && a.indexOf(t) === i).sort((a, b) => a - b).map((t) => [t, v(t)]);
}
