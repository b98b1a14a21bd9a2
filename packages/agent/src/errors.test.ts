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

  it('a Welcome timeout says how far the dial got', () => {
    expect(new WelcomeTimeoutError('10.0.0.1:7400', 5000).message).toBe('no Welcome from 10.0.0.1:7400 within 5000 ms');
    expect(new WelcomeTimeoutError('10.0.0.1:7400', 5000, 'connect').message).toBe('no TCP connection to 10.0.0.1:7400 within 5000 ms');
    expect(new WelcomeTimeoutError('10.0.0.1:7400', 30000, 'accept').message).toBe('connected to 10.0.0.1:7400, but the coordinator did not take the connection within 30000 ms');
  });
});
