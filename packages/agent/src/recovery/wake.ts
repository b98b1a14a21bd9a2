import type { Clock, TimerHandle } from '@vigil/shared';

export type WakeReason = 'timeout' | 'woken' | 'aborted';

/**
 * Sleeps on the injected clock that end early when woken (the service's process exited)
 * or aborted (the watcher stopped), so a recovery step reacts at once instead of at its next poll.
 */
export class Sleeper {
  private readonly sleepers = new Set<(reason: WakeReason) => void>();

  constructor(
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.settleAll('aborted'), { once: true });
  }

  sleep(ms: number): Promise<WakeReason> {
    if (this.signal.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const done = (reason: WakeReason) => {
        this.sleepers.delete(done);
        if (timer) this.clock.clearTimeout(timer);
        resolve(reason);
      };
      this.sleepers.add(done);
      timer = this.clock.setTimeout(() => done('timeout'), Math.max(0, ms));
    });
  }

  wake(): void {
    this.settleAll('woken');
  }

  private settleAll(reason: WakeReason): void {
    for (const done of [...this.sleepers]) done(reason);
  }
}
