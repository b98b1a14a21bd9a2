import { KvWatchInclude, type KV, type KvEntry } from 'nats';
import type { Clock, Logger, TimerHandle } from '@vigil/shared';
import type { Membership } from './membership.js';
import { withTimeout } from './with-timeout.js';

/** What the owner of a host records, so another coordinator can adopt it without its store. */
export interface Ownership {
  owner: string;
  since: number;
  intervalMs: number;
  hostname: string;
  labels: Record<string, string>;
}

export interface OwnershipHooks {
  /** Another coordinator took this host: stop judging it here. */
  released(hostId: string, by: string): void;
  /** This coordinator adopted a host of a dead one: judge it after the restart grace. */
  adopted(hostId: string, o: Ownership): void;
}

export interface OwnershipOptions {
  /** How often hosts of dead coordinators are looked for. @default 3 s */
  adoptEveryMs: number;
}

/**
 * One owner per host, in a KV bucket written only with compare-and-set: the coordinator
 * holding a host's stream claims it on Hello; the previous owner sees the change on its
 * watch and lets go; hosts of a coordinator that left the membership are adopted by
 * whichever survivor wins the CAS.
 */
export class HostOwnership {
  private readonly mine = new Set<string>();
  private timer: TimerHandle | undefined;
  private running = false;
  private watchStop: (() => void) | undefined;
  adoptions = 0;
  releases = 0;

  constructor(
    private readonly kv: KV,
    private readonly members: Membership,
    private readonly hooks: OwnershipHooks,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: OwnershipOptions,
  ) {}

  get self(): string {
    return this.members.selfId;
  }

  owns(hostId: string): boolean {
    return this.mine.has(hostId);
  }

  async start(): Promise<void> {
    this.running = true;
    const iter = await this.kv.watch({ include: KvWatchInclude.UpdatesOnly });
    this.watchStop = () => iter.stop();
    void (async () => {
      for await (const e of iter) this.onChange(e);
    })().catch((err: unknown) => this.log.warn({ err }, 'ownership watch ended'));
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.watchStop?.();
    if (this.timer) this.clock.clearTimeout(this.timer);
  }

  /** The agent of `hostId` says Hello here: this coordinator owns it now. */
  async claim(hostId: string, info: Omit<Ownership, 'owner' | 'since'>): Promise<void> {
    const value = JSON.stringify({ ...info, owner: this.self, since: this.clock.now() } satisfies Ownership);
    this.mine.add(hostId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const e = await this.kv.get(hostId);
      try {
        if (!e || e.operation !== 'PUT') await this.kv.create(hostId, value);
        else await this.kv.update(hostId, value, e.revision);
        return;
      } catch (err) {
        // Someone wrote between our read and our write: read again and retry; the stream
        // is here, so this coordinator is the rightful owner.
        this.log.debug({ host: hostId, err: (err as Error).message }, 'ownership claim raced; retrying');
      }
    }
    this.log.warn({ host: hostId }, 'could not record ownership after 5 attempts');
  }

  /** The host was removed by an operator: drop its key, so no survivor adopts it back. */
  async forget(hostId: string): Promise<void> {
    this.mine.delete(hostId);
    await this.kv.delete(hostId);
  }

  private onChange(e: KvEntry): void {
    if (e.operation !== 'PUT') return;
    let o: Ownership;
    try {
      o = e.json<Ownership>();
    } catch {
      return;
    }
    if (o.owner !== this.self && this.mine.delete(e.key)) {
      this.releases++;
      this.log.info({ host: e.key, by: o.owner }, 'host moved to another coordinator');
      this.hooks.released(e.key, o.owner);
    }
  }

  /** Adopts every host whose owner is no longer a member; exposed for tests. */
  async adoptOrphans(): Promise<number> {
    let adopted = 0;
    const keys: string[] = [];
    for await (const k of await this.kv.keys()) keys.push(k);
    for (const k of keys) {
      const e = await this.kv.get(k);
      if (!e || e.operation !== 'PUT') continue;
      const o = e.json<Ownership>();
      if (this.members.isAlive(o.owner)) continue;
      const next: Ownership = { ...o, owner: this.self, since: this.clock.now() };
      try {
        await this.kv.update(k, JSON.stringify(next), e.revision);
      } catch {
        continue; // another survivor won this one
      }
      this.mine.add(k);
      adopted++;
      this.adoptions++;
      this.log.info({ host: k, from: o.owner }, 'adopted host of a coordinator that left');
      this.hooks.adopted(k, next);
    }
    return adopted;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      withTimeout(this.adoptOrphans(), Math.max(5000, this.opts.adoptEveryMs * 4), 'adoption pass')
        .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'adoption pass failed'))
        .finally(() => this.schedule());
    }, this.opts.adoptEveryMs);
  }
}
