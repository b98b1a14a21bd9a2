import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { quoteText } from '../quote.js';

/** Marks a custom issue whose message already quotes the bad value (see describeIssues). */
export const SHOWS_VALUE = 'showsValue';

/**
 * The longest config duration: 2^31 - 1 ms (a little under 25 days) is the longest delay
 * a Node.js timer takes; a longer one fires after 1 ms instead, so `interval: 999d` would
 * run a check in a busy loop. 24d is the longest whole number of days below it.
 */
export const MAX_CONFIG_DURATION_MS = 24 * 86_400_000;

/**
 * The one duration field of every config (agent, services, coordinator, escalation
 * tables): `500ms`, `5s`, `1.5m`, `2h`, `1d`, parsed to milliseconds.
 *
 * A bare number is refused, in YAML as on the command line: `watchAfterRestart: 30` was
 * once read as 30 ms where 30 s was meant, and nothing said so. The only exception is 0,
 * which is the same in every unit. The issue quotes the value (`SHOWS_VALUE`), so the
 * error line reads `services[0].watchAfterRestart: 30 has no unit; write 30s or 30000ms`.
 */
export const durationMs = z.union([z.number(), z.string()]).transform((v, ctx) => {
  if (v === 0 || v === '0') return 0;
  const bare = typeof v === 'number' ? String(v) : /^\s*-?\d+(?:\.\d+)?\s*$/.test(v) ? v.trim() : undefined;
  if (bare !== undefined) {
    ctx.addIssue({ code: 'custom', message: unitlessMessage(bare), params: { [SHOWS_VALUE]: true } });
    return z.NEVER;
  }
  let ms: number;
  try {
    ms = parseDuration(v as string);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message, params: { [SHOWS_VALUE]: true } });
    return z.NEVER;
  }
  if (ms > MAX_CONFIG_DURATION_MS) {
    ctx.addIssue({ code: 'custom', message: `${quoteText(v as string)} is longer than 24d, the longest a timer can wait`, params: { [SHOWS_VALUE]: true } });
    return z.NEVER;
  }
  return ms;
});

function unitlessMessage(given: string): string {
  const n = Number(given);
  // Quoted cut short: a 400-digit number is still one line of error.
  const bare = given.length > 40 ? `${given.slice(0, 37)}...` : given;
  if (!Number.isFinite(n) || n < 0 || bare !== given) return `${bare} is not a duration (use a positive number with ms, s, m, h or d, e.g. 500ms, 5s, 1m)`;
  return `${bare} has no unit; write ${bare}s or ${Math.round(n * 1000)}ms, or ${bare}ms if milliseconds were meant`;
}
