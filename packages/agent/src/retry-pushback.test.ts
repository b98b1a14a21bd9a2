import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { MAX_PUSHBACK_MS, parseRetryPushback, pushbackDelay, retryPushbackOf } from './retry-pushback.js';

describe('retry pushback', () => {
  it('retry pushback - a RESOURCE_EXHAUSTED status with a whole number of ms is a hint', () => {
    expect(parseRetryPushback(grpc.status.RESOURCE_EXHAUSTED, ['1500'])).toBe(1500);
    expect(parseRetryPushback(grpc.status.RESOURCE_EXHAUSTED, [Buffer.from('20')])).toBe(20);
    expect(parseRetryPushback(grpc.status.RESOURCE_EXHAUSTED, ['0'])).toBe(0);
  });

  it('retry pushback - other codes, no value or a value that is not whole ms are not', () => {
    expect(parseRetryPushback(grpc.status.UNAVAILABLE, ['1500'])).toBeUndefined();
    expect(parseRetryPushback(grpc.status.RESOURCE_EXHAUSTED, [])).toBeUndefined();
    for (const bad of ['-5', '1.5', 'soon', '', '1e3', '99999999999']) expect(parseRetryPushback(grpc.status.RESOURCE_EXHAUSTED, [bad]), bad).toBeUndefined();
  });

  it('retry pushback - a hint beyond the cap is taken as the cap', () => {
    expect(parseRetryPushback(grpc.status.RESOURCE_EXHAUSTED, ['3600000'])).toBe(MAX_PUSHBACK_MS);
  });

  it('retry pushback - read from a grpc ServiceError; plain errors have none', () => {
    const metadata = new grpc.Metadata();
    metadata.set('grpc-retry-pushback-ms', '750');
    const err = Object.assign(new Error('8 RESOURCE_EXHAUSTED: busy'), { code: grpc.status.RESOURCE_EXHAUSTED, details: 'busy', metadata });
    expect(retryPushbackOf(err)).toBe(750);
    expect(retryPushbackOf(new Error('14 UNAVAILABLE'))).toBeUndefined();
    expect(retryPushbackOf(undefined)).toBeUndefined();
  });

  it('retry pushback - the delay is at least the hint plus a bounded spread', () => {
    expect(pushbackDelay(2000, () => 0)).toBe(2000);
    expect(pushbackDelay(2000, () => 0.999)).toBe(2199);
    expect(pushbackDelay(100, () => 0.999)).toBe(149);
    expect(pushbackDelay(60_000, () => 0.999)).toBe(60_999);
  });
});
