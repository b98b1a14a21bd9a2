import { visibleLength } from './color.js';

/**
 * Aligned columns with a header, two spaces apart; the last column is not padded. Widths
 * are measured without colour escapes so coloured cells line up too.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], style: { header: (s: string) => string } = { header: (s) => s }): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: readonly string[], head = false) =>
    cells
      .map((c, i) => {
        const text = head ? style.header(c) : c;
        return i === cells.length - 1 ? text : text + ' '.repeat(widths[i]! - visibleLength(c));
      })
      .join('  ')
      .trimEnd();
  return [line(header, true), ...rows.map((r) => line(r))].join('\n') + '\n';
}

/** `key  value` lines with the keys aligned. */
export function fields(pairs: readonly (readonly [string, string])[], style: { key: (s: string) => string } = { key: (s) => s }): string {
  const w = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${style.key(k)}${' '.repeat(w - k.length)}  ${v}`).join('\n') + '\n';
}
