/**
 * How often a tailer looks at its file without being told to. Change notifications
 * (inotify, through fs.watch) announce writes at once and cost nothing while the file is
 * quiet; the poll is the safety net for where they do not work (network and some overlay
 * filesystems, a directory deleted and made again). Polling every file four times a second
 * was most of an idle agent's CPU, so the poll slows down while the notifications have
 * announced every change it found, and speeds up again as soon as one went unannounced.
 */
export type PaceState =
  /** No notifications (off, or the watch failed): the poll is all there is. */
  | { type: 'unwatched' }
  /** Notifications announced every change the poll found: a slow safety poll. */
  | { type: 'trusted'; unannouncedAt: number | null }
  /** A change went unannounced: poll fast until `announcedInARow` reaches the re-trust count. */
  | { type: 'doubted'; unannouncedAt: number | null; announcedInARow: number };

export interface PollPaceOptions {
  /** The poll while notifications are off or doubted. */
  fastMs: number;
  /** The poll while notifications are trusted. */
  slowMs: number;
  /** Announced changes in a row that restore trust after a miss. */
  retrustAfter: number;
}

/** What a poll tick asks of the tailer: start the watch again after trust was lost. */
export type TickVerdict = 'ok' | 'restart-watch';

export class PollPace {
  private st: PaceState = { type: 'unwatched' };
  private lastNotifiedAt = -Infinity;
  private missed = 0;

  constructor(private readonly opts: PollPaceOptions) {}

  get state(): PaceState {
    return this.st;
  }

  /** Notifications the poll caught missing a change. */
  get misses(): number {
    return this.missed;
  }

  intervalMs(): number {
    return this.st.type === 'trusted' ? this.opts.slowMs : this.opts.fastMs;
  }

  /**
   * A watch started. It is trusted until it misses a change: a quiet file is the common
   * case, and it would never get to prove itself.
   */
  watchStarted(): void {
    if (this.st.type === 'unwatched') this.st = { type: 'trusted', unannouncedAt: null };
  }

  watchLost(): void {
    this.st = { type: 'unwatched' };
  }

  /** A notification for this file arrived. */
  notified(now: number): void {
    this.lastNotifiedAt = now;
    if (this.st.type === 'unwatched' || this.st.unannouncedAt === null) return;
    // The change the poll found was announced after all (the write raced the poll).
    this.st.unannouncedAt = null;
    this.announced();
  }

  /**
   * A pass found a change (bytes, a rotation, a truncation, the file appearing). Found by a
   * notification, it was announced; found by the poll, it is announced if a notification
   * came since the pass began or comes before the next tick (a write raced the poll).
   */
  changeFound(by: 'poll' | 'notification', passStartedAt: number): void {
    if (this.st.type === 'unwatched') return;
    if (by === 'notification' || this.lastNotifiedAt >= passStartedAt) {
      this.announced();
      return;
    }
    this.st.unannouncedAt ??= passStartedAt;
  }

  /**
   * At each poll tick, before its pass: a change the last poll found that no notification
   * followed was missed. The tailer polls fast until trust is back; on the first miss it
   * also starts the watch again (it may watch a directory that was deleted and made again),
   * not on every later one (notifications that never work would restart it at every tick).
   */
  tick(): TickVerdict {
    if (this.st.type === 'unwatched' || this.st.unannouncedAt === null) return 'ok';
    this.missed++;
    const wasTrusted = this.st.type === 'trusted';
    this.st = { type: 'doubted', unannouncedAt: null, announcedInARow: 0 };
    return wasTrusted ? 'restart-watch' : 'ok';
  }

  private announced(): void {
    if (this.st.type !== 'doubted') return;
    this.st.announcedInARow++;
    if (this.st.announcedInARow >= this.opts.retrustAfter) this.st = { type: 'trusted', unannouncedAt: null };
  }
}
