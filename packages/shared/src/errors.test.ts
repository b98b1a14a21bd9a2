import { describe, expect, it } from 'vitest';
import { ConfigError, ERROR_CODES, SessionSupersededError, UnknownHostError, VigilError } from './errors.js';

describe('error catalogue', () => {
  it('each named error is a VigilError whose code has one HTTP and one gRPC status', () => {
    const errors = [new ConfigError(['x: bad']), new SessionSupersededError('web-1', 3), new UnknownHostError('web-1')];
    for (const e of errors) {
      expect(e).toBeInstanceOf(VigilError);
      expect(ERROR_CODES[e.code]).toBeDefined();
      expect(e.httpStatus).toBe(ERROR_CODES[e.code].http);
      expect(e.grpcStatus).toBe(ERROR_CODES[e.code].grpc);
      expect(e.name).not.toBe('VigilError');
    }
    // Told apart by class, not by wording.
    expect(new SessionSupersededError('web-1', 3)).not.toBeInstanceOf(UnknownHostError);
    expect(new SessionSupersededError('web-1', 3).message).toContain('web-1');
  });
});
