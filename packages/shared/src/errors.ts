/**
 * Errors that cross a boundary carry a stable code. Each code maps to one HTTP status and
 * one gRPC status, so an operator or a client can act on the code, not on the wording.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: { http: 500, grpc: 3 },
  BAD_REQUEST: { http: 400, grpc: 3 },
  MESSAGE_INVALID: { http: 400, grpc: 3 },
  MESSAGE_TOO_LARGE: { http: 413, grpc: 3 },
  PROTOCOL_VIOLATION: { http: 400, grpc: 9 },
  UNAUTHENTICATED: { http: 401, grpc: 16 },
  PERMISSION_DENIED: { http: 403, grpc: 7 },
  NOT_FOUND: { http: 404, grpc: 5 },
  CONFLICT: { http: 409, grpc: 6 },
  /** Replaced by a newer stream or request for the same thing (gRPC ABORTED). */
  SUPERSEDED: { http: 409, grpc: 10 },
  UNAVAILABLE: { http: 503, grpc: 14 },
  /** Busy, come back later (gRPC RESOURCE_EXHAUSTED): a Hello over the admission bound. */
  OVERLOADED: { http: 429, grpc: 8 },
  DEADLINE_EXCEEDED: { http: 504, grpc: 4 },
  INTERNAL: { http: 500, grpc: 13 },
  // The agent's own conditions (packages/agent/src/errors.ts). They are logged and shown in
  // collector statuses; the statuses say what each would be if one crossed an edge.
  COLLECTOR_TIMEOUT: { http: 504, grpc: 4 },
  COLLECTOR_BUSY: { http: 503, grpc: 14 },
  COLLECTOR_PARTIAL: { http: 500, grpc: 13 },
  WELCOME_TIMEOUT: { http: 504, grpc: 4 },
  STREAM_CLOSED: { http: 503, grpc: 14 },
} as const satisfies Record<string, { http: number; grpc: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class VigilError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VigilError';
    this.code = code;
  }
  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
  get grpcStatus(): number {
    return ERROR_CODES[this.code].grpc;
  }
}

/** Bad configuration: the program says which field and value, and exits with status 2. */
export class ConfigError extends VigilError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * A message of an agent stream that another stream for the same host has replaced: the
 * work it asked for is dropped quietly (the newer stream carries the host now).
 */
export class SessionSupersededError extends VigilError {
  constructor(hostId: string, sessionId: number, message = `session ${sessionId} of host "${hostId}" was superseded by a newer stream`) {
    super('SUPERSEDED', message);
    this.name = 'SessionSupersededError';
  }
}

/** A host the coordinator does not know (removed meanwhile, or never said Hello). */
export class UnknownHostError extends VigilError {
  constructor(hostId: string) {
    super('NOT_FOUND', `no host "${hostId}"`);
    this.name = 'UnknownHostError';
  }
}
