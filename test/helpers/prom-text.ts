/** Reading Prometheus text for assertions: samples by series, and metric names in PromQL. */

/** Every sample of an exposition, keyed by the series as printed (`name{a="b"}`). */
export function parseSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/**
 * The series names an exposition offers: every name with samples, and every declared
 * metric (`# TYPE`) with the names its type gives it, so a labelled counter that has not
 * counted anything yet is still there to query.
 */
export function exposedNames(text: string): Set<string> {
  const names = new Set([...parseSamples(text).keys()].map((k) => k.replace(/\{.*$/, '')));
  for (const m of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
    const [name, type] = [m[1]!, m[2]!];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

/** Samples of one metric as label sets and values, e.g. to sum by a label. */
export function samplesOf(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const [series, value] of parseSamples(text)) {
    const brace = series.indexOf('{');
    if ((brace < 0 ? series : series.slice(0, brace)) !== name) continue;
    const labels: Record<string, string> = {};
    for (const m of series.slice(brace + 1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    out.push({ labels, value });
  }
  return out;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'atan2']);

/**
 * The metric names a PromQL expression reads: identifiers that are not functions
 * (followed by `(`), keywords, label names (inside `{}` or after by/without/on/…),
 * strings, durations or Grafana variables. Small, for the dashboard's expressions.
 */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(m[0].toLowerCase())) continue;
    // A number's exponent (1e9) is not a name.
    if (m.index! > 0 && /[0-9.]/.test(stripped[m.index! - 1]!)) continue;
    names.add(m[0]);
  }
  return [...names];
}
