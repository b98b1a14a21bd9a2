import type { Unsubscribe } from '../services/manager.js';

/** The small notifier interface the watcher exposes (Consul's CheckNotifier, as a subscription). */
export interface EventSource<E> {
  onEvent(cb: (event: E) => void): Unsubscribe;
}

/** Fans events out to subscribers; a subscriber that throws does not stop the others or the caller. */
export class Notifier<E> implements EventSource<E> {
  private readonly listeners = new Set<(event: E) => void>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  onEvent(cb: (event: E) => void): Unsubscribe {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  emit(event: E): void {
    for (const cb of this.listeners) {
      try {
        cb(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
