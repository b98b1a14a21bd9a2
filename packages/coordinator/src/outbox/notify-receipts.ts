import { SUBJECT_ROOT } from '@vigil/shared';

/** Where vigil-notify reports each delivery: `vigil.v1.notify.<delivered|failed>.<receiver>`. */
export const NOTIFY_RECEIPTS_SUBJECT = `${SUBJECT_ROOT}.notify.>`;

export interface NotifyReceipt {
  outcome: 'delivered' | 'failed';
  incidentId: string;
  receiver: string;
  /** `L1`-`L3`, `acknowledge` or `resolve`. */
  action: string;
  attempts: number;
  error: string | undefined;
  fallback: string | undefined;
  fallbackFor: string | undefined;
}

/** A receipt's CloudEvent, or undefined for anything else (it is only a report: never throws). */
export function parseNotifyReceipt(subject: string, body: string): NotifyReceipt | undefined {
  const outcome = subject.split('.')[3];
  if (outcome !== 'delivered' && outcome !== 'failed') return undefined;
  try {
    const d = (JSON.parse(body) as { data?: Record<string, unknown> }).data;
    if (!d || typeof d.incidentId !== 'string' || typeof d.receiver !== 'string' || typeof d.action !== 'string') return undefined;
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    return { outcome, incidentId: d.incidentId, receiver: d.receiver, action: d.action, attempts: typeof d.attempts === 'number' ? d.attempts : 1, error: str(d.error), fallback: str(d.fallback), fallbackFor: str(d.fallbackFor) };
  } catch {
    return undefined;
  }
}

/** The timeline line: what really reached whom, in the words of the receipt. */
export function receiptSummary(r: NotifyReceipt): string {
  const what = /^L\d$/.test(r.action) ? `level ${r.action.slice(1)} page` : r.action;
  const tries = r.attempts === 1 ? '1 attempt' : `${r.attempts} attempts`;
  if (r.outcome === 'delivered') return `${what} delivered to ${r.receiver} (${tries}${r.fallbackFor ? `, as fallback for ${r.fallbackFor}` : ''})`;
  return `${what} NOT delivered to ${r.receiver} after ${tries}: ${r.error ?? 'unknown error'}${r.fallback ? `; handed to fallback ${r.fallback}` : ''}`;
}
