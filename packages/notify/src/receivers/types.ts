import type { z } from 'zod';
import type { NotifyEvent, NotifyKind } from '../event.js';

/** One message to one receiver: a page at a level, or an incident's acknowledgement or resolution. */
export interface Notification {
  kind: NotifyKind;
  /** Stable across retries and restarts (`<incident>/<action>/<receiver>`): receivers that can, deduplicate on it. */
  deliveryId: string;
  event: NotifyEvent;
  /** For acknowledge and resolve: the levels this receiver was paged for, lowest first. */
  pagedLevels: readonly number[];
  /** The route that chose the receiver, for the message ("route 2.1", "default route"). */
  routePath: string;
}

export interface Receiver {
  readonly name: string;
  readonly type: string;
  /** Resolves once the receiver accepted the message; throws DeliveryError otherwise. */
  send(n: Notification): Promise<void>;
  close?(): Promise<void>;
}

/**
 * A failed delivery. `retryable` is false where sending the same message again cannot
 * help (the receiver refused it as malformed or unauthorised): it goes to the fallback
 * at once instead of after every retry.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}

/** A receiver type: its config schema and how to build it. One file each, one line in the table. */
export interface ReceiverType<S extends z.ZodType = z.ZodType> {
  type: string;
  /** What it is for, for `--check` and the docs. */
  description: string;
  /** The type's own fields (the common ones, name, timeout, retry and fallback, are added). */
  schema: S;
  create(config: z.output<S> & CommonReceiverConfig): Receiver;
}

export interface RetryPolicy {
  /** Attempts before the fallback, first one included. @default 14 */
  maxAttempts: number;
  /** Wait after the first failure. @default 1s */
  initialBackoff: number;
  /** The wait doubles per attempt up to this. @default 30s */
  maxBackoff: number;
}

export interface CommonReceiverConfig {
  name: string;
  type: string;
  /** One request's time limit. @default 10s */
  timeout: number;
  retry: RetryPolicy;
  /** The receiver that gets the page when this one failed every attempt. */
  fallback?: string | undefined;
  rateLimit?: { pages: number; per: number } | undefined;
  groupWait?: number | undefined;
  template?: { title?: string | undefined; body?: string | undefined } | undefined;
}
