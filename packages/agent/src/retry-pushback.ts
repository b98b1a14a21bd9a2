import { RETRY_PUSHBACK_KEY } from '@vigil/shared';

/**
 * A coordinator admitting a connect storm sends some agents away with RESOURCE_EXHAUSTED
 * and gRPC's standard retry hint, trailing metadata `grpc-retry-pushback-ms` (gRFC A6):
 * come back in this many milliseconds. It is busy, not down, so the agent waits that long
 * and tries the same coordinator again, without counting a failure.
 */

/** grpc.status.RESOURCE_EXHAUSTED, spelled out so this module needs no gRPC import. */
const RESOURCE_EXHAUSTED = 8;
/** A hint beyond this is taken as this: a misconfigured coordinator cannot park its fleet. */
export const MAX_PUSHBACK_MS = 5 * 60_000;

/**
 * The hint in a stream's closing status, in ms, or undefined when it is not a shed: another
 * code, no value, or one that is not a whole number of milliseconds (gRFC A6: not to be
 * honoured). Pure, for the status code and the metadata's values for the key.
 */
export function parseRetryPushback(code: unknown, values: readonly unknown[]): number | undefined {
  if (code !== RESOURCE_EXHAUSTED || values.length === 0) return undefined;
  const raw = values[0];
  const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : undefined;
  if (text === undefined || !/^\d{1,10}$/.test(text.trim())) return undefined;
  return Math.min(MAX_PUSHBACK_MS, Number(text.trim()));
}

/** Reads the hint from the error a gRPC stream closed with (a ServiceError: `code`, `metadata`). */
export function retryPushbackOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, metadata } = err as { code?: unknown; metadata?: { get?: (key: string) => unknown } };
  const values = typeof metadata?.get === 'function' ? metadata.get(RETRY_PUSHBACK_KEY) : undefined;
  return parseRetryPushback(code, Array.isArray(values) ? values : []);
}

/**
 * The wait before coming back: at least the hint, plus up to a tenth of it (between 50 ms
 * and 1 s), so agents given the same hint do not return in the same millisecond.
 */
export function pushbackDelay(hintMs: number, random: () => number = Math.random): number {
  const spread = Math.min(1000, Math.max(50, hintMs / 10));
  return hintMs + Math.floor(random() * spread);
}
