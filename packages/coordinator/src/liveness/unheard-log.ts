import { LogWindow, type Clock, type Logger } from '@vigil/shared';

/** One line per this long at most: a filtered path sends a whole fleet back to the stream at once. */
const EVERY_MS = 10_000;

/**
 * Logs the streams whose liveness datagrams went unheard: the first of each 10 s in full
 * (which host, for how long), the others counted into the next line. UDP filtered between
 * a fleet and its coordinator makes thousands of these within a second, and one warning
 * per host would cost the coordinator more than the datagrams saved.
 */
export class UnheardLog {
  private readonly window = new LogWindow<'unheard'>(EVERY_MS);

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  report(hostId: string, was: 'pending' | 'heard', quietMs: number, periodMs: number): void {
    const more = this.window.pass('unheard', this.clock.now());
    if (more === undefined) return;
    this.log.warn(
      { host: hostId, was, quietMs, periodMs, moreSinceLastLine: more },
      `no liveness datagram heard from ${hostId} for ${quietMs} ms while its stream works (UDP filtered between agent and coordinator?); it sends its liveness on the stream${more > 0 ? `; ${more} more streams likewise since the last such line` : ''}`,
    );
  }
}
