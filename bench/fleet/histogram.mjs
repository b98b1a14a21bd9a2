// Latency recording that merges across processes. Ack latencies number in the hundreds
// of thousands per run, so workers keep log-linear buckets (32 per power of two, under
// 3 % error) instead of raw samples and send the counts to the parent.

const SUB = 32;
const LINEAR = 2 * SUB; // values below 64 µs get a bucket each
const SIZE = LINEAR + 26 * SUB; // up to 2^32 µs (71 min)

function indexOf(us) {
  const v = Math.max(0, Math.min(Math.floor(us), 2 ** 32 - 1));
  if (v < LINEAR) return v;
  const top = 31 - Math.clz32(v); // >= 6
  const shift = top - 5;
  return LINEAR + (top - 6) * SUB + ((v >>> shift) - SUB);
}

/** Upper edge of a bucket, in µs: percentiles report the bound, never flatter. */
function upperOf(i) {
  if (i < LINEAR) return i + 1;
  const top = 6 + Math.floor((i - LINEAR) / SUB);
  const m = SUB + ((i - LINEAR) % SUB);
  return (m + 1) * 2 ** (top - 5);
}

export class Histogram {
  constructor() {
    this.counts = new Float64Array(SIZE);
    this.n = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = 0;
  }

  /** Records a value in milliseconds. */
  record(ms) {
    const us = ms * 1000;
    this.counts[indexOf(us)]++;
    this.n++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** Percentile (0-100) in ms; exact max for 100, bucket upper bound otherwise. */
  percentile(p) {
    if (this.n === 0) return null;
    if (p >= 100) return this.max;
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(upperOf(i) / 1000, this.max);
    }
    return this.max;
  }

  /** Sparse form for IPC: only non-empty buckets travel. */
  toJSON() {
    const buckets = [];
    for (let i = 0; i < SIZE; i++) if (this.counts[i] > 0) buckets.push([i, this.counts[i]]);
    return { n: this.n, sum: this.sum, min: this.n ? this.min : null, max: this.max, buckets };
  }

  merge(json) {
    if (!json || json.n === 0) return this;
    for (const [i, c] of json.buckets) this.counts[i] += c;
    this.n += json.n;
    this.sum += json.sum;
    this.min = Math.min(this.min, json.min);
    this.max = Math.max(this.max, json.max);
    return this;
  }

  reset() {
    this.counts.fill(0);
    this.n = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = 0;
  }
}

/** Nearest-rank percentile of raw samples (detection latencies are few: keep them exact). */
export function percentileOf(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  if (p >= 100) return sorted[sorted.length - 1];
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function median(values) {
  return percentileOf(values, 50);
}
