import type { Transition } from '../registry/types.js';

/** How a host's agent stream ended, as far as this coordinator saw it. */
export type StreamEnd =
  /** The stream closed before heartbeats were missed: the host's side ended it (the agent process exited or was killed while the kernel ran). */
  | { kind: 'closed'; at: number; why: string }
  /** Heartbeats stopped on an open stream (a hung host, a cut link): nothing came from the host's side. */
  | { kind: 'quiet'; at: number; why: string };

/**
 * Remembers, per host, how its last session ended, from the registry's transitions:
 * online → suspect is a stream that closed (the registry only goes suspect when a stream
 * ends without Goodbye), online → silent is heartbeats that stopped on an open stream.
 * A host that comes back online is forgotten. Memory only: after a coordinator restart
 * the end of a stream before it is unknown, and the diagnosis says so.
 */
export class StreamEnds {
  private readonly ends = new Map<string, StreamEnd>();

  observe(t: Transition): void {
    switch (t.to) {
      case 'online':
      case 'left':
        this.ends.delete(t.hostId);
        return;
      case 'suspect':
        this.ends.set(t.hostId, { kind: 'closed', at: t.at, why: t.reason });
        return;
      case 'silent':
        // suspect → silent is the same closed stream whose grace ran out.
        if (t.from !== 'suspect') this.ends.set(t.hostId, { kind: 'quiet', at: t.at, why: t.reason });
        return;
    }
  }

  get(hostId: string): StreamEnd | undefined {
    return this.ends.get(hostId);
  }

  forget(hostId: string): void {
    this.ends.delete(hostId);
  }
}
