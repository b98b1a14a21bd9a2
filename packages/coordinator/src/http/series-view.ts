import { VigilError } from '@vigil/shared';
import type { Bucket, MetricName, Prediction, SeriesKey } from '../predictions/types.js';

/**
 * Metric names of `GET /v1/hosts/{id}/series`: a short name, with `:<instance>` where a
 * host or service has several (a mount point, a check's name). The predictions' own names
 * (`disk_percent:/var`) are accepted too.
 */
const SHORT: Readonly<Record<string, MetricName>> = {
  memory: 'memory_percent',
  disk: 'disk_percent',
  inodes: 'inode_percent',
  response_time: 'response_time_ms',
  error_rate: 'error_rate',
};
const SHORT_OF: Readonly<Record<MetricName, string>> = {
  memory_percent: 'memory',
  disk_percent: 'disk',
  inode_percent: 'inodes',
  response_time_ms: 'response_time',
  error_rate: 'error_rate',
};

export const SERIES_METRIC_HELP = 'memory, disk:<mount>, inodes:<mount>, and with service=<name>: memory, response_time:<check>, error_rate';

/** `metric` (and `service`) of the query as a series key of the host; a 400 naming them when no series can have that name. */
export function parseSeriesMetric(hostId: string, metric: string, service: string | undefined): SeriesKey {
  const colon = metric.indexOf(':');
  const name = colon < 0 ? metric : metric.slice(0, colon);
  const instance = colon < 0 ? '' : metric.slice(colon + 1);
  const m = SHORT[name] ?? (Object.hasOwn(SHORT_OF, name) ? (name as MetricName) : undefined);
  if (!m) throw new VigilError('BAD_REQUEST', `query.metric: no series is named ${JSON.stringify(name)} (kept: ${SERIES_METRIC_HELP}; cpu is not kept as a series) (got ${JSON.stringify(metric)})`);
  const needsInstance = m === 'disk_percent' || m === 'inode_percent' || m === 'response_time_ms';
  if (needsInstance && instance === '') throw new VigilError('BAD_REQUEST', `query.metric: ${name} needs :<${m === 'response_time_ms' ? 'check' : 'mount'}>, e.g. ${m === 'response_time_ms' ? 'response_time:health' : `${name}:/`} (got ${JSON.stringify(metric)})`);
  if (!needsInstance && instance !== '') throw new VigilError('BAD_REQUEST', `query.metric: ${name} takes no :<instance> (got ${JSON.stringify(metric)})`);
  const serviceOnly = m === 'response_time_ms' || m === 'error_rate';
  if (serviceOnly && !service) throw new VigilError('BAD_REQUEST', `query.service: ${name} is a service's series; name the service (service=<name>)`);
  if (service && (m === 'disk_percent' || m === 'inode_percent')) throw new VigilError('BAD_REQUEST', `query.service: ${name} is host-wide; leave service out (got ${JSON.stringify(service)})`);
  return { hostId, service: service ?? '', metric: m, instance };
}

/** A series key as the API names it. */
export function seriesName(k: Pick<SeriesKey, 'metric' | 'instance'>): string {
  return k.instance ? `${SHORT_OF[k.metric]}:${k.instance}` : SHORT_OF[k.metric];
}

/**
 * Merges buckets (oldest first) into at most `width` points over [from, to): equal slots
 * of time, each point at the start of its first bucket, its value the count-weighted mean.
 * Empty slots give no point, so a gap in the data stays a gap in the chart.
 */
export function downsample(buckets: readonly Bucket[], from: number, to: number, width: number): [number, number][] {
  if (buckets.length <= width) return buckets.map((b) => [b.t, round(b.mean)]);
  const slot = (to - from) / width;
  const out: [number, number][] = [];
  let current = -1;
  let t = 0;
  let sum = 0;
  let n = 0;
  const flush = () => {
    if (n > 0) out.push([t, round(sum / n)]);
  };
  for (const b of buckets) {
    const s = Math.min(width - 1, Math.max(0, Math.floor((b.t - from) / slot)));
    if (s !== current) {
      flush();
      current = s;
      t = b.t;
      sum = 0;
      n = 0;
    }
    sum += b.mean * b.count;
    n += b.count;
  }
  flush();
  return out;
}

/** f32 buckets print as 12.300000190734863; four significant decimals are plenty for a chart. */
function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}

/**
 * The fitted line of a prediction as chart points: from the start of its evidence to
 * when it crosses the threshold (or its horizon past the evidence when it never does).
 */
export function fittedLine(p: Prediction): [number, number][] {
  const at = (t: number) => round(p.trend.intercept + (p.trend.slopePerHour * (t - p.trend.at)) / 3_600_000);
  const end = p.trend.crossesAt ?? p.trend.at + p.horizonMs;
  const ts = [...new Set([p.evidence.from, p.trend.at, end])].sort((a, b) => a - b);
  return ts.map((t) => [t, at(t)]);
}
