import { DeliveryError } from './types.js';

/**
 * POSTs a body and classifies the answer: 2xx delivered; 408, 429 and 5xx worth a retry;
 * any other status is a refusal that a retry would only repeat. A timeout or a connection
 * failure is worth a retry. The time limit covers the whole exchange, so a receiver that
 * accepts the connection and never answers costs `timeoutMs`, not forever.
 */
export async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string }> {
  let res: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, signal });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' || signal.aborted ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new DeliveryError(`POST ${redact(url)}: ${why}`, true, { cause: err });
  }
  let text = '';
  try {
    text = await res.text();
  } catch (err) {
    throw new DeliveryError(`POST ${redact(url)}: reading the answer failed: ${(err as Error).message}`, true, { cause: err });
  }
  if (res.status >= 200 && res.status < 300) return { status: res.status, text };
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  throw new DeliveryError(`POST ${redact(url)}: HTTP ${res.status} ${text.slice(0, 200)}`.trimEnd(), retryable);
}

/** Webhook URLs carry their secret in the path (Slack): logs show the host only. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : '/'}`;
  } catch {
    return '(bad url)';
  }
}
