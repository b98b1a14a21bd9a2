/** One health check of one service (a kind per file, registered in CHECK_KINDS, kinds.ts). */
export interface HealthCheck {
  /** Unique within its service; used in events and snapshots. */
  readonly name: string;
  /** The `type` of its kind (a CheckType; kept a string so kinds can refer to this interface). */
  readonly type: string;
  run(ctx: CheckContext): Promise<CheckResult>;
}

/** What a check may ask about the service it checks. */
export interface CheckContext {
  /** The service's own processes right now. */
  pids(): Promise<number[]>;
  /** Aborted when the watcher stops; a check should give up early. */
  signal?: AbortSignal;
}

export interface CheckResult {
  ok: boolean;
  /** Human-readable, at most DETAIL_CAP_BYTES bytes of UTF-8. */
  detail: string;
  /** How long the check took (for http: the response time). */
  durationMs: number;
}

/** Output is capped (as Consul caps check output) so a noisy target cannot flood events. */
export const DETAIL_CAP_BYTES = 512;

/** Cuts `text` to at most `maxBytes` bytes of UTF-8 without splitting a character. */
export function capDetail(text: string, maxBytes = DETAIL_CAP_BYTES): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const marker = '…';
  const budget = maxBytes - Buffer.byteLength(marker, 'utf8');
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > budget) break;
    out += ch;
    used += n;
  }
  return out + marker;
}

/**
 * Runs a check so that nothing escapes: a throw becomes a failed result, the duration is
 * measured here when the check did not, and the detail is capped.
 */
export async function runCheck(check: HealthCheck, ctx: CheckContext, now: () => number = () => performance.now()): Promise<CheckResult> {
  const start = now();
  try {
    const r = await check.run(ctx);
    return { ok: r.ok, detail: capDetail(r.detail), durationMs: r.durationMs };
  } catch (err) {
    return { ok: false, detail: capDetail(`check error: ${(err as Error).message ?? String(err)}`), durationMs: Math.round(now() - start) };
  }
}
