import { VigilError, type ErrorCode } from '@vigil/shared';

/**
 * The agent's error catalogue. Each class carries a stable `code`, so logs and collector
 * statuses can be matched on the code rather than on the wording.
 */
export type AgentErrorCode = Extract<ErrorCode, 'COLLECTOR_TIMEOUT' | 'COLLECTOR_BUSY' | 'COLLECTOR_PARTIAL' | 'WELCOME_TIMEOUT' | 'STREAM_CLOSED' | 'PROTOCOL_VIOLATION'>;

/** The agent's branch of the one catalogue (`VigilError` in @vigil/shared): same codes, same statuses. */
export class AgentError extends VigilError {
  declare readonly code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'AgentError';
  }
}

/** A collector did not settle within its time budget; its part of the sample is left out. */
export class CollectorTimeoutError extends AgentError {
  constructor(name: string, timeoutMs: number) {
    super('COLLECTOR_TIMEOUT', `collector "${name}" did not finish within ${timeoutMs} ms`);
    this.name = 'CollectorTimeoutError';
  }
}

/**
 * A collector's previous run is still pending. It is not called again until that run
 * settles, so a call stuck in the kernel (a hung NFS statfs) cannot pile up new ones.
 */
export class CollectorBusyError extends AgentError {
  constructor(name: string, pendingForMs: number) {
    super('COLLECTOR_BUSY', `collector "${name}" is still running a call started ${Math.round(pendingForMs)} ms ago`);
    this.name = 'CollectorBusyError';
  }
}

/**
 * Some of a collector's items failed while others succeeded: the runner reports the
 * collector as failed but still ships the part that was read.
 */
export class PartialCollectError<T> extends AgentError {
  readonly partial: T;
  constructor(message: string, partial: T, options?: { cause?: unknown }) {
    super('COLLECTOR_PARTIAL', message, options);
    this.name = 'PartialCollectError';
    this.partial = partial;
  }
}

/**
 * A dial got no Welcome in time. `stage` says how far it got: no TCP connection (`connect`),
 * a connection the coordinator's process never took from its accept queue (`accept`), or a
 * stream whose Hello was not answered (`welcome`, the default).
 */
export class WelcomeTimeoutError extends AgentError {
  constructor(target: string, timeoutMs: number, stage: 'connect' | 'accept' | 'welcome' = 'welcome') {
    const what =
      stage === 'connect'
        ? `no TCP connection to ${target}`
        : stage === 'accept'
          ? `connected to ${target}, but the coordinator did not take the connection`
          : `no Welcome from ${target}`;
    super('WELCOME_TIMEOUT', `${what} within ${timeoutMs} ms`);
    this.name = 'WelcomeTimeoutError';
  }
}

/** The stream to a coordinator ended or failed; `cause` holds the gRPC error, if any. */
export class StreamClosedError extends AgentError {
  constructor(target: string, detail: string, options?: { cause?: unknown }) {
    super('STREAM_CLOSED', `stream to ${target} closed: ${detail}`, options);
    this.name = 'StreamClosedError';
  }
}

/** The coordinator sent something the protocol does not allow at this point. */
export class ProtocolViolationError extends AgentError {
  constructor(message: string) {
    super('PROTOCOL_VIOLATION', message);
    this.name = 'ProtocolViolationError';
  }
}

/** Describes any thrown value in one line, for logs and CollectorStatus.error. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
