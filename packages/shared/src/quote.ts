/** Longest part of a value an error message quotes; a refusal must stay one readable line. */
export const QUOTED_CHARS = 80;

/**
 * A text value as an error message quotes it: in JSON quotes, cut to its first 80
 * characters. A parser that echoed its input whole would turn a 1 MB bad value into a 1 MB
 * log line and error body.
 */
export function quoteText(text: string, max = QUOTED_CHARS): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max - 3)}...` : text);
}
