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
