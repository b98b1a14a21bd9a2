import type { Clock } from '@vigil/shared';
import type { OutboxStore } from '../store/outbox-store.js';

/**
 * Prunes the outbox of a coordinator without NATS, where no publisher does it: its rows
 * are stored as published and only feed `GET /v1/events`, for `retainMs`.
 */
export function startOutboxPruner(outbox: Pick<OutboxStore, 'prune'>, clock: Clock, retainMs: number, storeFailed: (err: Error) => void, everyMs = 60_000): { stop(): void } {
  const prune = () => {
    // A prune the store refuses (disk full) is tried again at the next one.
    try {
      outbox.prune(clock.now() - retainMs);
    } catch (err) {
      storeFailed(err as Error);
    }
  };
  const t = setInterval(prune, everyMs);
  t.unref();
  return { stop: () => clearInterval(t) };
}
