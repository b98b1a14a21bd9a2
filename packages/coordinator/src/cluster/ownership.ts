import { KvWatchInclude, type KV, type KvEntry } from 'nats';
import type { Clock, Logger, TimerHandle } from '@vigil/shared';
import { supersedes, type Claim } from './claim-order.js';
import type { Membership } from './membership.js';
import { withTimeout } from './with-timeout.js';

/** What the owner of a host records, so another coordinator can adopt it without its store. */
export interface Ownership extends Claim {
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

/** What a host's claim says about the Hello it was made for. */
export type ClaimInfo = Omit<Ownership, 'owner' | 'since' | 'via'>;

/**
 * One owner per host, in a KV bucket written only with compare-and-set: the coordinator
 * holding a host's stream claims it on Hello; the previous owner sees the change on its
 * watch and lets go; hosts of a coordinator that left the membership are adopted by
 * whichever survivor wins the CAS. Two claims of one host are ordered by `supersedes`,
 * on both sides of every write: a claim that would overwrite a newer one gives up and
 * lets go, and a watch that shows an older one is answered by writing this one again.
 */
export class HostOwnership {
  /** The claim this coordinator holds for each host it owns. */
  private readonly mine = new Map<string, Ownership>();
  private timer: TimerHandle | undefined;
  private running = false;
  private watchStop: (() => void) | undefined;
  adoptions = 0;
  releases = 0;

  constructor(
    private readonly kv: KV,
    private readonly members: Pick<Membership, 'selfId' | 'isAlive'>,
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

  /** The agent of `hostId` says Hello here: this coordinator owns it now, unless a newer Hello was claimed elsewhere meanwhile. */
  async claim(hostId: string, info: ClaimInfo): Promise<void> {
    const ours: Ownership = { ...info, owner: this.self, since: this.clock.now(), via: 'hello' };
    this.mine.set(hostId, ours);
    await this.record(hostId, ours);
  }

  /**
   * Writes `ours` unless the key holds a claim that supersedes it, in which case this
   * coordinator lets the host go. Stops as soon as `ours` is no longer this coordinator's
   * claim (a newer Hello here, or a release seen on the watch).
   */
  private async record(hostId: string, ours: Ownership): Promise<void> {
    const value = JSON.stringify(ours);
    for (let attempt = 0; attempt < 5; attempt++) {
      if (this.mine.get(hostId) !== ours) return;
      const e = await this.kv.get(hostId);
      const theirs = e && e.operation === 'PUT' ? parseOwnership(e) : undefined;
      if (theirs && theirs.owner !== this.self && supersedes(theirs, ours)) {
        this.letGo(hostId, ours, theirs.owner);
        return;
      }
      try {
        if (!e || e.operation !== 'PUT') await this.kv.create(hostId, value);
        else await this.kv.update(hostId, value, e.revision);
        return;
      } catch (err) {
        // Someone wrote between our read and our write: read again, and compare with it.
        this.log.debug({ host: hostId, err: (err as Error).message }, 'ownership claim raced; retrying');
      }
    }
    this.log.warn({ host: hostId }, 'could not record ownership after 5 attempts');
  }

  private letGo(hostId: string, ours: Ownership, by: string): void {
    if (this.mine.get(hostId) !== ours) return;
    this.mine.delete(hostId);
    this.releases++;
    this.log.info({ host: hostId, by }, 'host moved to another coordinator');
    this.hooks.released(hostId, by);
  }

  /** The host was removed by an operator: drop its key, so no survivor adopts it back. */
  async forget(hostId: string): Promise<void> {
    this.mine.delete(hostId);
    await this.kv.delete(hostId);
  }

  private onChange(e: KvEntry): void {
    if (e.operation !== 'PUT') return;
    const theirs = parseOwnership(e);
    const ours = this.mine.get(e.key);
    if (!theirs || !ours || theirs.owner === this.self) return;
    if (supersedes(theirs, ours)) {
      this.letGo(e.key, ours, theirs.owner);
      return;
    }
    // An older claim landed after ours (a slow write elsewhere) or a survivor adopted a host
    // whose stream is here: the key must name this coordinator again, or the other one
    // would judge a host it has no stream for.
    this.log.info({ host: e.key, by: theirs.owner, via: theirs.via ?? 'hello' }, 'older claim of a host held here; recording ours again');
    void this.record(e.key, ours).catch((err: unknown) => this.log.warn({ err: (err as Error).message, host: e.key }, 'recording ownership again failed'));
  }

  /** Adopts every host whose owner is no longer a member; exposed for tests. */
  async adoptOrphans(): Promise<number> {
    let adopted = 0;
    const keys: string[] = [];
    for await (const k of await this.kv.keys()) keys.push(k);
    for (const k of keys) {
      const e = await this.kv.get(k);
      const o = e && e.operation === 'PUT' ? parseOwnership(e) : undefined;
      if (!e || !o || this.members.isAlive(o.owner)) continue;
      // The adoption keeps the Hello it adopts (agentStartedAt, attempt): any later Hello of that agent supersedes it.
      const next: Ownership = { ...o, owner: this.self, since: this.clock.now(), via: 'adoption' };
      try {
        await this.kv.update(k, JSON.stringify(next), e.revision);
      } catch {
        continue; // another survivor won this one
      }
      this.mine.set(k, next);
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

/** The record of a key, or undefined for one this version cannot read (it is left alone). */
function parseOwnership(e: KvEntry): Ownership | undefined {
  try {
    const o = e.json<Ownership>();
    return o && typeof o === 'object' && typeof o.owner === 'string' && typeof o.since === 'number' ? o : undefined;
  } catch {
    return undefined;
  }
}
