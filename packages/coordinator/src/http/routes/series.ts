import type { FastifyPluginAsync } from 'fastify';
import { normalizeHostId, VigilError } from '@vigil/shared';
import { seriesId } from '../../predictions/index.js';
import type { ApiDeps } from '../deps.js';
import { routeSchema } from '../route-docs.js';
import { hostIdParams, seriesOut, seriesQuery } from '../schemas.js';
import { downsample, fittedLine, parseSeriesMetric, seriesName } from '../series-view.js';
import { parseInput } from '../validate.js';

/** Points of `GET /v1/hosts/{id}/series` when no width is given. */
export const DEFAULT_SERIES_WIDTH = 300;

/**
 * `GET /v1/hosts/{id}/series`: a stored series of the host for a chart (the predictions'
 * one-minute buckets, downsampled to `width` points) with the fitted line of an active
 * prediction on it, and the list of the host's series for a metric picker.
 */
export const seriesRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  const schema = routeSchema({
    operationId: 'getHostSeries',
    summary: "A stored series of the host for a chart, downsampled to width, with the fitted line of an active prediction on it and the host's series",
    tags: ['hosts'],
    access: 'viewer',
    params: hostIdParams,
    querystring: seriesQuery,
    ok: { 200: seriesOut.describe('the series') },
    errors: { 400: 'bad id, metric, service, since or width', 404: 'no such host', 503: 'this coordinator keeps no series' },
  });
  app.get('/v1/hosts/:id/series', { schema }, async (req) => {
    const params = hostIdParams.safeParse(req.params);
    if (!params.success) throw new VigilError('BAD_REQUEST', `id: ${params.error.issues[0]?.message ?? 'invalid'}`);
    const id = normalizeHostId(params.data.id);
    const q = parseInput(seriesQuery, req.query, 'query');
    if (!deps.registry.get(id)) throw new VigilError('NOT_FOUND', `no host "${id}"`);
    const series = deps.series;
    if (!series) throw new VigilError('UNAVAILABLE', 'this coordinator keeps no series');
    const key = parseSeriesMetric(id, q.metric, q.service);
    const now = deps.now();
    const from = Math.max(q.since ?? now - series.opts.retentionMs, now - series.opts.retentionMs);
    const width = q.width ?? DEFAULT_SERIES_WIDTH;
    const buckets = series.window(seriesId(key), from, now + series.opts.bucketMs);
    const predictions = deps.predictor
      .activeFor(id, key.service)
      .filter((p) => p.service === key.service && p.metric === key.metric && p.instance === key.instance)
      .sort((a, b) => (a.predictedFailureAt ?? Infinity) - (b.predictedFailureAt ?? Infinity));
    const p = predictions[0];
    return {
      hostId: id,
      metric: seriesName(key),
      service: key.service || null,
      unit: unitOf(key.metric),
      bucketMs: series.opts.bucketMs,
      since: new Date(from).toISOString(),
      points: downsample(buckets, from, now, width),
      ...(p
        ? {
            prediction: {
              id: p.id,
              rule: p.rule,
              summary: p.summary,
              threshold: p.trend.threshold,
              signal: p.trend.signal,
              fitted: fittedLine(p),
              ...(p.predictedFailureAt !== null ? { failureAt: p.predictedFailureAt } : {}),
            },
          }
        : {}),
      available: series
        .seriesOf(id)
        .map((r) => ({ metric: seriesName(r.key), service: r.key.service || null, unit: unitOf(r.key.metric) }))
        .sort((a, b) => (a.service ?? '').localeCompare(b.service ?? '') || a.metric.localeCompare(b.metric)),
    };
  });
};

function unitOf(m: string): string {
  return m === 'response_time_ms' ? 'ms' : m === 'error_rate' ? 'ratio' : '%';
}
