import type { PeerEvidence } from './partition-verdict.js';

/** Which hosts fell silent recently, and what peers saw of them: the input to "is it them, or is it us?". */
export class PartitionWatch {
  private readonly silentAt = new Map<string, number>();
  private readonly seen = new Map<string, PeerEvidence>();

  constructor(private readonly windowMs: number) {}

  silent(hostId: string, at: number): void {
    this.silentAt.set(hostId, at);
    // A new silence needs a new look from the peers.
    this.seen.delete(hostId);
  }

  /** Records what the peers saw of a host that is still silent; ignored for a host back already. */
  evidence(hostId: string, e: PeerEvidence): boolean {
    if (!this.silentAt.has(hostId)) return false;
    this.seen.set(hostId, e);
    return true;
  }

  back(hostId: string): void {
    this.silentAt.delete(hostId);
    this.seen.delete(hostId);
  }

  countSince(now: number): number {
    return this.hostsSince(now).length;
  }

  hostsSince(now: number): string[] {
    return [...this.silentAt.entries()].filter(([, t]) => now - t <= this.windowMs).map(([h]) => h);
  }

  evidenceOf(): ReadonlyMap<string, PeerEvidence> {
    return this.seen;
  }

  reset(): void {
    this.silentAt.clear();
    this.seen.clear();
  }
}
