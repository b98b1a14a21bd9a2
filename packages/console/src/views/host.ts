import { ApiError } from '../api.js';
import { h } from '../dom.js';
import { clock, relative } from '../format.js';
import { fittedLine, metricOfPrediction, sampleValues } from '../samples.js';
import type { HostDetail, Prediction, Series } from '../types.js';
import { chart, type Chart, type ChartData } from './chart.js';
import type { View } from './view.js';

const HOUR = 3_600_000;
const titles: Record<string, string> = { cpu: 'CPU', memory: 'Memory' };
const titleOf = (m: string) => titles[m] ?? (m.startsWith('disk:') ? `Disk ${m.slice(5)}` : m);

/**
 * One host: state, services, incidents, predictions and resource charts. Charts read
 * GET /v1/hosts/:id/series when the coordinator has it; otherwise they chart the samples
 * seen while the page is open, with the prediction's fitted trend drawn from its slope.
 */
export const hostView: View = (root, ctx) => {
  const id = ctx.params.id!;
  const head = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const chartsEl = h('div', { class: 'charts' });
  const chartNote = h('p', { class: 'muted' });
  root.append(h('p', {}, h('a', { href: '/' }, '← Fleet')), head, h('section', { 'aria-labelledby': 'h-res' }, h('h2', { id: 'h-res' }, 'Resources'), chartNote, chartsEl));

  const charts = new Map<string, Chart>();
  const seen = new Map<string, [number, number][]>();
  let seriesApi: boolean | null = null;
  let predictions: Prediction[] = [];
  const width = () => Math.max(260, (chartsEl.clientWidth || 600) - 20);

  const drawChart = (metric: string, d: ChartData) => {
    const c = charts.get(metric);
    if (c && c.withPrediction === (d.fitted !== undefined)) return c.update(d);
    const made = chart(d, width());
    if (c) {
      c.el.replaceWith(made.el);
      c.destroy();
    } else chartsEl.append(made.el);
    charts.set(metric, made);
  };

  const predictionFor = (metric: string) => predictions.find((p) => metricOfPrediction(p) === metric && p.state === 'active') ?? predictions.find((p) => metricOfPrediction(p) === metric);

  const fromSamples = (detail: HostDetail) => {
    if (detail.latestSample) {
      const t = detail.sampleAt ? Date.parse(detail.sampleAt) : Date.now();
      for (const [m, v] of Object.entries(sampleValues(detail.latestSample))) {
        const list = seen.get(m) ?? [];
        if (list.at(-1)?.[0] !== t) list.push([t, v]);
        if (list.length > 600) list.shift();
        seen.set(m, list);
      }
    }
    for (const [m, points] of seen) {
      const p = predictionFor(m);
      drawChart(m, { title: titleOf(m), unit: '%', points, ...(p ? { fitted: fittedLine(p, Date.now()), threshold: p.trend.threshold, failureAt: p.predictedFailureAt ? Date.parse(p.predictedFailureAt) : null } : {}) });
    }
  };

  const fromSeries = async (metrics: string[]) => {
    const since = Date.now() - 6 * HOUR;
    const results = await Promise.all(metrics.map((m) => ctx.api.series(id, m, since, 300).then((s): [string, Series] => [m, s])));
    for (const [m, s] of results) {
      const p = predictionFor(m);
      drawChart(m, {
        title: titleOf(m),
        unit: '%',
        points: s.points,
        ...(s.prediction ? { fitted: s.prediction.fitted, failureAt: s.prediction.failureAt ?? null, ...(p ? { threshold: p.trend.threshold } : {}) } : {}),
      });
    }
  };

  const drawHead = (d: HostDetail) => {
    predictions = [...d.predictions.active, ...d.predictions.recent];
    head.replaceChildren(
      h('h1', {}, d.id, ' ', h('span', { class: `pill st-${d.state}`, id: 'host-state' }, d.state)),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'State'),
        h('dd', {}, `${d.state} since ${relative(d.stateSince)} · ${d.connected ? 'agent connected' : 'agent not connected'} · last seen ${relative(d.lastSeen)}`),
        h('dt', {}, 'Hostname'),
        h('dd', {}, d.hostname),
        d.os ? [h('dt', {}, 'OS'), h('dd', {}, `${d.os.distro} ${d.os.release} · ${d.os.kernel} · ${d.os.arch}`)] : '',
        h('dt', {}, 'Labels'),
        h('dd', {}, Object.entries(d.labels).map(([k, v]) => h('span', { class: 'badge' }, `${k}=${v}`))),
        h('dt', {}, 'Services'),
        h('dd', {}, d.services.length ? d.services.map((s) => h('span', { class: 'badge' }, s.name)) : 'none declared'),
      ),
      d.incidents.length ? h('section', {}, h('h2', {}, 'Active incidents'), h('ul', { class: 'incidents' }, d.incidents.map((i) => h('li', {}, h('a', { href: `/incidents/${encodeURIComponent(i.id)}` }, `L${i.level} ${i.class}${i.service ? ` (${i.service})` : ''} · ${i.state}`))))) : '',
      predictions.length
        ? h(
            'section',
            {},
            h('h2', {}, 'Predictions'),
            h(
              'ul',
              { class: 'predictions' },
              predictions.map((p) => h('li', {}, h('strong', {}, p.summary), ` (${p.state})`, p.predictedFailureAt ? ` · fails ${relative(p.predictedFailureAt)} (${clock(p.predictedFailureAt)})` : '', h('div', { class: 'muted' }, `prevent: ${p.preventiveAction}`))),
            ),
          )
        : '',
      h('section', {}, h('h2', {}, 'State history'), h('ol', { class: 'timeline' }, d.history.slice(-20).reverse().map((t) => h('li', {}, h('time', { datetime: t.at }, clock(t.at)), ` ${t.from ?? '—'} → ${t.to}: ${t.reason}`)))),
    );
  };

  const load = async () => {
    let d: HostDetail;
    try {
      d = await ctx.api.host(id);
    } catch (err) {
      head.replaceChildren(h('p', { class: 'bad' }, `Could not load host ${id}: ${(err as Error).message}`));
      return;
    }
    drawHead(d);
    if (seriesApi !== false) {
      const metrics = ['cpu', 'memory', ...Object.keys(d.latestSample ? sampleValues(d.latestSample) : {}).filter((m) => m.startsWith('disk:'))];
      try {
        await fromSeries(metrics);
        seriesApi = true;
        chartNote.textContent = 'The last 6 hours, from the coordinator’s stored series.';
        return;
      } catch (err) {
        if (!(err instanceof ApiError && (err.status === 404 || err.status === 400))) throw err;
        seriesApi = false;
      }
    }
    chartNote.textContent = 'Samples since this page opened (this coordinator keeps no series); predictions drawn from their fitted trend.';
    fromSamples(d);
  };
  void load();
  const timer = setInterval(() => void load().catch(() => undefined), 2000);
  const onResize = () => charts.forEach((c) => c.resize(width()));
  addEventListener('resize', onResize);
  return () => {
    clearInterval(timer);
    removeEventListener('resize', onResize);
    charts.forEach((c) => c.destroy());
  };
};
