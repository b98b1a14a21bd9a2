import type { YAMLError } from 'yaml';

/** At most this many syntax errors are listed; the first ones are the ones to fix. */
const MAX_ERRORS = 5;

/**
 * Describes a YAML syntax error the way an editor would: where it is (line and column),
 * what is wrong, and the offending line with a caret under the column. Pure, so it is
 * tested on the texts users actually get wrong.
 */
export function describeYamlError(text: string, err: YAMLError): string {
  const reason = err.message.split(' at line ')[0]!.split('\n')[0]!;
  const pos = err.linePos?.[0];
  if (!pos) return reason;
  const lines = text.split(/\r?\n/);
  const at = (n: number) => (lines[n - 1] ?? '').replace(/\t/g, ' ');
  const width = String(pos.line).length;
  const row = (n: number) => `    ${String(n).padStart(width)} | ${at(n)}`.trimEnd();
  // An error found at a blank line (often the end of the file, after an unclosed quote or
  // bracket) is caused further up: show the last line that has text too.
  let before = pos.line - 1;
  while (before > 0 && at(before).trim() === '') before--;
  const context = at(pos.line).trim() === '' && before > 0 ? [row(before)] : [];
  const where = pos.line > lines.length || (pos.line === lines.length && at(pos.line) === '') ? `line ${pos.line} (end of file)` : `line ${pos.line}, column ${pos.col}`;
  return [`${where}: ${reason}`, ...context, row(pos.line), `    ${' '.repeat(width)} | ${' '.repeat(Math.max(0, pos.col - 1))}^`].join('\n');
}

export function describeYamlErrors(text: string, errors: readonly YAMLError[]): string[] {
  const shown = errors.slice(0, MAX_ERRORS).map((e) => describeYamlError(text, e));
  if (errors.length > MAX_ERRORS) shown.push(`(${errors.length - MAX_ERRORS} more YAML errors)`);
  return shown;
}
