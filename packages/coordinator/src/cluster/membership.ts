import type { KV } from 'nats';
import type { Clock, Logger, TimerHandle } from '@vigil/shared';
import { withTimeout } from './with-timeout.js';

export interface MembershipOptions {
  /** How often this coordinator refreshes its key. @default 2 s */
  refreshMs: number;
}

/**
 * Who is alive: one key per coordinator in a bucket whose TTL is a few refresh periods.
 * A coordinator that stops refreshing (crash, partition) disappears by itself; nothing
 * has to notice it to remove it.
 */
export class Membership {
  private timer: TimerHandle | undefined;
  private running = false;
  private live = new Set<string>();

  constructor(
    private readonly kv: KV,
    readonly selfId: string,
    private readonly info: Record<string, unknown>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: MembershipOptions,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    await this.refresh();
  }

  stop(): void {
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
  }

  /** Removes this coordinator's key at once: a planned stop hands its hosts over without waiting for the TTL. */
  async leave(): Promise<void> {
    this.stop();
    await this.kv.delete(this.selfId).catch(() => undefined);
  }

  members(): ReadonlySet<string> {
    return this.live;
  }

  isAlive(id: string): boolean {
    return id === this.selfId || this.live.has(id);
  }

  private async refresh(): Promise<void> {
    try {
      await withTimeout(this.refreshOnce(), Math.max(2000, this.opts.refreshMs * 3), 'membership refresh');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cluster membership refresh failed');
    }
    if (this.running) this.timer = this.clock.setTimeout(() => void this.refresh(), this.opts.refreshMs);
  }

  private async refreshOnce(): Promise<void> {
    await this.kv.put(this.selfId, JSON.stringify({ ...this.info, at: this.clock.now() }));
    const seen = new Set<string>();
    for await (const k of await this.kv.keys()) seen.add(k);
    // A deleted key leaves a marker that keys() may still list: read each to be sure.
    const live = new Set<string>();
    for (const k of seen) {
      const e = await this.kv.get(k);
      if (e && e.operation === 'PUT') live.add(k);
    }
    live.add(this.selfId);
    this.live = live;
  }
}
