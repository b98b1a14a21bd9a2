import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Registry } from 'prom-client';

/** The quantiles exported; `1` is the maximum, as Go's runtime summaries do it. */
const QUANTILES = [
  ['0.5', (h: IntervalHistogram) => h.percentile(50)],
  ['0.99', (h: IntervalHistogram) => h.percentile(99)],
  ['1', (h: IntervalHistogram) => h.max],
] as const;

/**
 * Event loop delay as a Prometheus summary: the quantiles cover the time since the
 * previous scrape (the histogram is reset at each one), `_sum` and `_count` add up every
 * delay since the start, as a summary's must. prom-client's Summary computes its own
 * quantiles from observations and cannot take perf_hooks' histogram, hence this small
 * collector of its own.
 *
 * The timer behind monitorEventLoopDelay fires every `resolutionMs`; each sample is the
 * time between two firings, so the resolution is taken off to leave the delay alone (an
 * idle loop reads 0, not 10 ms).
 */
export class EventLoopSummary {
  readonly name: string;
  private readonly histogram: IntervalHistogram;
  private sum = 0;
  private count = 0;

  constructor(
    registry: Registry,
    name: string,
    private readonly help: string,
    private readonly resolutionMs = 10,
  ) {
    this.name = name;
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
    // prom-client takes any object with a name and get(); its types only describe its own classes.
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** Called by the registry at each scrape. */
  async get(): Promise<{ name: string; help: string; type: 'summary'; aggregator: 'sum'; values: { labels: Record<string, string>; value: number; metricName?: string }[] }> {
    const h = this.histogram;
    const seconds = (ns: number) => Math.max(0, ns / 1e9 - this.resolutionMs / 1000);
    const n = h.count;
    const values: { labels: Record<string, string>; value: number; metricName?: string }[] = QUANTILES.map(([q, read]) => ({ labels: { quantile: q }, value: n > 0 ? seconds(read(h)) : 0 }));
    if (n > 0) {
      this.count += n;
      this.sum += seconds(h.mean) * n;
    }
    h.reset();
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.sum }, { metricName: `${this.name}_count`, labels: {}, value: this.count });
    return { name: this.name, help: this.help, type: 'summary', aggregator: 'sum', values };
  }

  /** prom-client calls this when the registry is reset. */
  reset(): void {
    this.histogram.reset();
  }

  stop(): void {
    this.histogram.disable();
  }
}
