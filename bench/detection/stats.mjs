// Percentiles and the printed table: pure functions over the measured delays (ms).

/** Nearest-rank percentile (p in 0..100) of numbers; null for none. With n = 10, p99 is the max. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** n, p50, p99, max and the number of rounds without a report within the timeout. */
export function summarize(delays) {
  const got = delays.filter((d) => d !== null);
  return { n: got.length, missed: delays.length - got.length, p50: percentile(got, 50), p99: percentile(got, 99), max: got.length ? Math.max(...got) : null };
}

const s = (ms) => (ms === null ? '-' : (ms / 1000).toFixed(2));
const ratio = (a, b) => (a === null || b === null || b === 0 ? '-' : `${(a / b).toFixed(1)}x`);

/** One markdown table per fault: a row per side, then the ratio of each side to Vigil. */
export function table(title, rows) {
  const lines = [`### ${title}`, '', '| side | n | missed | p50 s | p99 s | max s | p50 / Vigil | p99 / Vigil |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  const vigil = rows.find((r) => r.side === 'vigil')?.summary;
  for (const { side, summary: m } of rows) {
    lines.push(`| ${side} | ${m.n} | ${m.missed} | ${s(m.p50)} | ${s(m.p99)} | ${s(m.max)} | ${vigil ? ratio(m.p50, vigil.p50) : '-'} | ${vigil ? ratio(m.p99, vigil.p99) : '-'} |`);
  }
  return lines.join('\n');
}
