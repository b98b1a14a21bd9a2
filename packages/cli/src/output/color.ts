/** ANSI styles, or none at all. */
export interface Palette {
  readonly enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const wrap = (code: number, reset: number) => (s: string) => `\x1b[${code}m${s}\x1b[${reset}m`;

export const COLOURS: Palette = {
  enabled: true,
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};

const same = (s: string) => s;
export const PLAIN: Palette = { enabled: false, bold: same, dim: same, red: same, green: same, yellow: same, cyan: same };

/**
 * Colour only for a person at a terminal: stdout is a TTY, NO_COLOR is unset or empty
 * (no-color.org), TERM is not "dumb", and neither --no-color nor JSON output was asked for.
 */
export function useColour(opts: { isTTY: boolean; env: NodeJS.ProcessEnv; noColorFlag: boolean; json: boolean }): boolean {
  if (opts.json || opts.noColorFlag || !opts.isTTY) return false;
  if (opts.env.NO_COLOR !== undefined && opts.env.NO_COLOR !== '') return false;
  return opts.env.TERM !== 'dumb';
}

/** Text without ANSI escapes: what a column's width is measured on. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}
