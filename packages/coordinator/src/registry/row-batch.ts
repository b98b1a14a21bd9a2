/**
 * Host rows to write together, at the end of this turn of the event loop. After a
 * coordinator restart every agent says Hello within seconds, and a Hello of a host the
 * store already has rewrites its row: one commit each cost more than anything else a
 * Hello does. Every Hello read in one turn (one poll of the sockets) shares one commit.
 * The rows are read from memory when written, so a host changed again meanwhile is
 * written as it is then, and a host removed meanwhile is not written at all.
 */
export class RowBatch {
  private readonly ids = new Set<string>();
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly write: (ids: string[]) => void) {}

  add(id: string): void {
    this.ids.add(id);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Writes what is waiting now (a planned stop, or the turn's end). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.ids.size === 0) return;
    const ids = [...this.ids];
    this.ids.clear();
    this.write(ids);
  }
}
