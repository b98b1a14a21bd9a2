import { VigilError } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { CollectorBusyError, CollectorTimeoutError, PartialCollectError, ProtocolViolationError, StreamClosedError, WelcomeTimeoutError, AgentError } from './errors.js';

describe("the agent's errors", () => {
  it('join the one catalogue: each is an AgentError and a VigilError with a stable code', () => {
    const errors = [
      new CollectorTimeoutError('cpu', 100),
      new CollectorBusyError('fs', 5),
      new PartialCollectError('some mounts failed', {}),
      new WelcomeTimeoutError('127.0.0.1:7400', 1000),
      new StreamClosedError('127.0.0.1:7400', 'ended'),
      new ProtocolViolationError('expected Welcome'),
    ];
    expect(errors.map((e) => e.code)).toEqual(['COLLECTOR_TIMEOUT', 'COLLECTOR_BUSY', 'COLLECTOR_PARTIAL', 'WELCOME_TIMEOUT', 'STREAM_CLOSED', 'PROTOCOL_VIOLATION']);
    for (const e of errors) {
      expect(e).toBeInstanceOf(AgentError);
      expect(e).toBeInstanceOf(VigilError);
      expect(e.grpcStatus).toBeGreaterThan(0);
    }
  });
});
