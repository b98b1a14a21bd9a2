import type { AgentMessageIn, CoordinatorMessage } from '@vigil/shared';
import type { CoordinatorTarget } from './config.js';

/** The agent's half of one Connect stream. */
export interface CoordinatorStream {
  /**
   * Queues a message. Returns false when the transport's buffer is full: the message is
   * still queued, but the caller should send nothing more until `onDrain`.
   */
  write(msg: AgentMessageIn): boolean;
  /** Half-closes: no more messages from the agent; the coordinator may still answer. */
  end(): void;
  /** Drops the stream at once. */
  cancel(): void;
}

export interface StreamEvents {
  /**
   * The TCP connection is up: the coordinator's host answered, and its kernel holds the
   * connection until the coordinator's process takes it. Dialers that cannot tell call
   * neither this nor `onTaken`, and the whole dial is bounded by the Welcome wait.
   */
  onConnected?(): void;
  /**
   * The coordinator's process took the connection: TLS and its HTTP/2 SETTINGS are done, and
   * the stream (with Hello) goes out now.
   */
  onTaken?(): void;
  onMessage(msg: CoordinatorMessage): void;
  onDrain(): void;
  /** Called exactly once, with the error unless the coordinator ended the stream cleanly. */
  onClose(error: Error | undefined): void;
}

/**
 * Opens streams to coordinators. The gRPC implementation is in grpc-dialer.ts; tests use
 * in-memory ones. Events must be delivered asynchronously, never from inside `dial`.
 */
export interface Dialer {
  dial(target: CoordinatorTarget, events: StreamEvents): CoordinatorStream;
  /** Releases what the dialer keeps between dials (a connection kept for a retry). */
  close?(): void;
}
