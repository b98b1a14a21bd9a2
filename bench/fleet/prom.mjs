// The coordinator's /metrics, scraped during a run. Parsing is pure; the scraper keeps
// every snapshot with its time so rates and histogram deltas cover exactly the window.

/** Prometheus text exposition → Map of `name{labels}` (as written) to value. */
export function parsePrometheus(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    if (cut < 0) continue;
    const value = Number(line.slice(cut + 1));
    if (!Number.isNaN(value)) out.set(line.slice(0, cut), value);
  }
  return out;
}

/** Cumulative buckets `{le, count}` of one histogram from a parsed snapshot. */
export function histogramBuckets(snapshot, name) {
  const out = [];
  const prefix = `${name}_bucket{le="`;
  for (const [key, v] of snapshot) {
    if (!key.startsWith(prefix)) continue;
    const le = key.slice(prefix.length, key.indexOf('"', prefix.length));
    out.push({ le: le === '+Inf' ? Infinity : Number(le), count: v });
  }
  return out.sort((a, b) => a.le - b.le);
}

/** Percentile from the difference of two cumulative bucket sets: the bucket's upper bound. */
export function histogramDeltaPercentile(before, after, p) {
  const prev = new Map(before.map((b) => [b.le, b.count]));
  const delta = after.map((b) => ({ le: b.le, count: b.count - (prev.get(b.le) ?? 0) }));
  const total = delta.length ? delta[delta.length - 1].count : 0;
  if (total <= 0) return null;
  const rank = (p / 100) * total;
  for (const b of delta) if (b.count >= rank) return b.le;
  return Infinity;
}

export class MetricsScraper {
  constructor(url, intervalMs = 5000) {
    this.url = url;
    this.intervalMs = intervalMs;
    this.snapshots = []; // { t, m: Map, ms }
    this.errors = 0;
    this.timer = undefined;
  }

  async scrapeNow() {
    const started = performance.now();
    try {
      const res = await fetch(this.url, { signal: AbortSignal.timeout(4000) });
      const text = await res.text();
      const t = performance.now();
      this.snapshots.push({ t, m: parsePrometheus(text), ms: t - started });
    } catch {
      this.errors++;
    }
  }

  start() {
    void this.scrapeNow();
    this.timer = setInterval(() => void this.scrapeNow(), this.intervalMs);
    this.timer.unref();
  }

  stop() {
    clearInterval(this.timer);
  }

  /** Snapshots taken in [from, to] (performance.now() times). */
  between(from, to) {
    return this.snapshots.filter((s) => s.t >= from && s.t <= to);
  }
}
