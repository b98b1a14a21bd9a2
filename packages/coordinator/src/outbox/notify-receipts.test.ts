import { describe, expect, it } from 'vitest';
import { parseNotifyReceipt, receiptSummary } from './notify-receipts.js';

const body = (data: Record<string, unknown>) => JSON.stringify({ specversion: '1.0', id: 'x', type: 'vigil.v1.notify.delivered', data });

describe('notify receipts - timeline lines', () => {
  it('says what was delivered to whom, and what was not', () => {
    const ok = parseNotifyReceipt('vigil.v1.notify.delivered.pager', body({ incidentId: 'inc-1', receiver: 'pager', action: 'L3', attempts: 1 }))!;
    expect(receiptSummary(ok)).toBe('level 3 page delivered to pager (1 attempt)');
    const fb = parseNotifyReceipt('vigil.v1.notify.delivered.mail', body({ incidentId: 'inc-1', receiver: 'mail', action: 'L3', attempts: 2, fallbackFor: 'pager' }))!;
    expect(receiptSummary(fb)).toBe('level 3 page delivered to mail (2 attempts, as fallback for pager)');
    const bad = parseNotifyReceipt('vigil.v1.notify.failed.pager', body({ incidentId: 'inc-1', receiver: 'pager', action: 'resolve', attempts: 14, error: 'HTTP 503', fallback: 'mail' }))!;
    expect(receiptSummary(bad)).toBe('resolve NOT delivered to pager after 14 attempts: HTTP 503; handed to fallback mail');
  });

  it('ignores anything that is not a receipt', () => {
    expect(parseNotifyReceipt('vigil.v1.notify.other.x', body({ incidentId: 'a', receiver: 'b', action: 'L1' }))).toBeUndefined();
    expect(parseNotifyReceipt('vigil.v1.notify.delivered.x', 'not json')).toBeUndefined();
    expect(parseNotifyReceipt('vigil.v1.notify.delivered.x', body({ receiver: 'b' }))).toBeUndefined();
  });
});
