import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from '../dom.js';
import { clock } from '../format.js';

export interface ChartData {
  title: string;
  unit: string;
  /** [epoch ms, value] */
  points: [number, number][];
  /** The prediction's fitted trend, [epoch ms, value], extended to the failure time. */
  fitted?: [number, number][];
  threshold?: number;
  failureAt?: number | null;
}

/**
 * One resource chart (uPlot): the measured series, the prediction's fitted trend as a
 * dashed line, its threshold, and a red vertical mark at the predicted failure time.
 */
export interface Chart {
  el: HTMLElement;
  /** Whether it was built with the trend and threshold lines. */
  withPrediction: boolean;
  update(d: ChartData): void;
  resize(w: number): void;
  destroy(): void;
}

export function chart(data: ChartData, width: number): Chart {
  const el = h('figure', { class: 'chart' });
  const caption = h('figcaption', {});
  el.append(caption);
  let current = data;
  // The trend and threshold lines exist only on a chart with a prediction (the host page rebuilds on a change).
  const withPrediction = data.fitted !== undefined;

  const build = (d: ChartData) => {
    // uPlot wants one x axis: the union of both series' times, with gaps as null.
    const xs = [...new Set([...d.points.map((p) => p[0]), ...(d.fitted ?? []).map((p) => p[0])])].sort((a, b) => a - b);
    const at = (pts: [number, number][] | undefined) => {
      const m = new Map((pts ?? []).map(([t, v]) => [t, v]));
      return xs.map((x) => m.get(x) ?? null);
    };
    const cols = [xs.map((x) => x / 1000), at(d.points)];
    if (withPrediction) cols.push(at(d.fitted), xs.map(() => d.threshold ?? null));
    return cols as uPlot.AlignedData;
  };
  const failureMark: uPlot.Plugin = {
    hooks: {
      draw: (u) => {
        const f = current.failureAt;
        if (!f) return;
        const x = u.valToPos(f / 1000, 'x', true);
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        const c = u.ctx;
        c.save();
        c.strokeStyle = '#d33';
        c.lineWidth = 2 * devicePixelRatio;
        c.beginPath();
        c.moveTo(x, u.bbox.top);
        c.lineTo(x, u.bbox.top + u.bbox.height);
        c.stroke();
        c.restore();
      },
    },
  };
  const plot = new uPlot(
    {
      width,
      height: 160,
      plugins: [failureMark],
      scales: { x: { time: true } },
      axes: [{ stroke: '#8a94a6', grid: { stroke: '#8a94a633' } }, { stroke: '#8a94a6', size: 64, grid: { stroke: '#8a94a633' }, values: (_u, vals) => vals.map((v) => `${v}${data.unit}`) }],
      series: [
        { value: (_u, v) => (v === null ? '—' : clock(v * 1000)) },
        { label: data.title, stroke: '#3b82f6', width: 2, spanGaps: true },
        ...(withPrediction
          ? [
              { label: 'fitted trend', stroke: '#f59e0b', width: 2, dash: [6, 4], spanGaps: true },
              { label: 'threshold', stroke: '#d33', width: 1, dash: [2, 3], spanGaps: true, points: { show: false } },
            ]
          : []),
      ],
    },
    build(data),
    el,
  );
  const describe = (d: ChartData) => {
    const last = d.points.at(-1);
    caption.textContent = `${d.title}: ${last ? `${last[1].toFixed(1)}${d.unit} now` : 'no samples yet'}${d.failureAt ? ` · predicted to cross ${d.threshold ?? ''}${d.unit} at ${clock(d.failureAt)}` : ''}`;
  };
  describe(data);
  return {
    el,
    withPrediction,
    update(d) {
      current = d;
      plot.setData(build(d));
      describe(d);
    },
    resize: (w) => plot.setSize({ width: w, height: 160 }),
    destroy: () => plot.destroy(),
  };
}
