import { ApiError } from '../api.js';
import { h } from '../dom.js';
import { clock, relative } from '../format.js';
import { fittedLine, metricOfPrediction, sampleValues } from '../samples.js';
import type { HostDetail, Prediction } from '../types.js';
import { chart, type Chart, type ChartData } from './chart.js';
import type { View } from './view.js';

const titles: Record<string, string> = { cpu: 'CPU', memory: 'Memory', error_rate: 'Error rate' };
const titleOf = (m: string) =>
  titles[m] ?? (m.startsWith('disk:') ? `Disk ${m.slice(5)}` : m.startsWith('inodes:') ? `Inodes ${m.slice(7)}` : m.startsWith('response_time:') ? `Response time (${m.slice(14)})` : m);

/**
 * One host: state, services, incidents, predictions and resource charts. Charts read
 * GET /v1/hosts/:id/series when the coordinator has it; otherwise they chart the samples
 * seen while the page is open, with the prediction's fitted trend drawn from its slope.
 */
export const hostView: View = (root, ctx) => {
  const id = ctx.params.id!;
  const head = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const chartsEl = h('div', { class: 'charts' });
  const chartNote = h('p', { class: 'muted', id: 'chart-note' });
  root.append(h('p', {}, h('a', { href: '/' }, '← Fleet')), head, h('section', { 'aria-labelledby': 'h-res' }, h('h2', { id: 'h-res' }, 'Resources'), chartNote, chartsEl));

  const charts = new Map<string, Chart>();
  const seen = new Map<string, [number, number][]>();
  let seriesApi: boolean | null = null;
  let seriesAt = 0;
  let predictions: Prediction[] = [];
  /** Charts sit two abreast on a wide screen (style.css: .charts), one on a narrow one. */
  const width = () => {
    const w = chartsEl.clientWidth || 600;
    return Math.max(260, (innerWidth >= 900 ? (w - 12) / 2 : w) - 20);
  };

  const drawChart = (metric: string, d: ChartData) => {
    const c = charts.get(metric);
    if (c && c.withPrediction === (d.fitted !== undefined)) {
      // Appended again: the charts follow the order they are drawn in.
      chartsEl.append(c.el);
      return c.update(d);
    }
    const made = chart(d, width());
    c?.destroy();
    chartsEl.append(made.el);
    charts.set(metric, made);
  };

  const predictionFor = (metric: string) => predictions.find((p) => metricOfPrediction(p) === metric && p.state === 'active') ?? predictions.find((p) => metricOfPrediction(p) === metric);

  /** Charts from samples seen while the page is open: CPU always (it is not stored), the rest without stored series. */
  const fromSamples = (detail: HostDetail, only?: (metric: string) => boolean) => {
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
      if (only && !only(m)) continue;
      const p = predictionFor(m);
      drawChart(`live:${m}`, {
        title: `${titleOf(m)} (live)`,
        unit: '%',
        points,
        ...(p ? { fitted: fittedLine(p, Date.now()), threshold: p.trend.threshold, failureAt: p.predictedFailureAt ? Date.parse(p.predictedFailureAt) : null } : {}),
      });
    }
  };

  /** Every stored series of the host and its services, each with its prediction's fitted line. */
  const fromSeries = async () => {
    const first = await ctx.api.series(id, 'memory', null, 300);
    const rest = await Promise.all(
      first.available.filter((a) => !(a.metric === first.metric && a.service === first.service)).map((a) => ctx.api.series(id, a.metric, a.service, 300)),
    );
    // Series with a prediction first, then the host's own (memory, disks, inodes), then its services'.
    const rank = (x: typeof first) => (x.prediction ? 0 : x.service ? 2 : 1);
    const all = [first, ...rest].sort((a, b) => rank(a) - rank(b));
    for (const c of charts.values()) c.el.remove();
    for (const s of all) {
      const key = `${s.service ?? ''}/${s.metric}`;
      drawChart(key, {
        title: `${s.service ? `${s.service}: ` : ''}${titleOf(s.metric)}`,
        unit: s.unit === 'ratio' ? '' : s.unit,
        points: s.points,
        ...(s.prediction ? { fitted: s.prediction.fitted, threshold: s.prediction.threshold, failureAt: s.prediction.failureAt ?? null } : {}),
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
      try {
        // Stored series move once a minute: asked for again every 30 s, not on every refresh.
        if (Date.now() - seriesAt > 30_000) {
          seriesAt = Date.now();
          await fromSeries();
        }
        seriesApi = true;
        chartNote.textContent = 'Stored series (one-minute means, the last 6 hours) with each prediction’s fitted line and failure time; CPU live since this page opened.';
        fromSamples(d, (m) => m === 'cpu');
        return;
      } catch (err) {
        // 404: a coordinator without the series route; 503: one that keeps no series.
        if (err instanceof ApiError && (err.status === 404 || err.status === 503)) {
          seriesApi = false;
        } else {
          // Lost on the way (the network changed, the coordinator restarted): the next
          // refresh asks again; the live charts stand in until then.
          seriesAt = 0;
          chartNote.textContent = `Could not load the stored series: ${(err as Error).message}. Asking again; samples since this page opened meanwhile.`;
          // Stored charts already drawn stay; before the first, every metric is charted live.
          fromSamples(d, seriesApi === true ? (m) => m === 'cpu' : undefined);
          return;
        }
      }
    }
    chartNote.textContent = 'Samples since this page opened (this coordinator keeps no series); predictions drawn from their fitted trend.';
    fromSamples(d);
  };
  // load() shows its own failures; nothing it meets may end as an unhandled rejection.
  const refresh = () => void load().catch((err: unknown) => (chartNote.textContent = `Could not draw the charts: ${(err as Error).message}`));
  refresh();
  const timer = setInterval(refresh, 2000);
  const onResize = () => charts.forEach((c) => c.resize(width()));
  addEventListener('resize', onResize);
  return () => {
    clearInterval(timer);
    removeEventListener('resize', onResize);
    charts.forEach((c) => c.destroy());
  };
};
