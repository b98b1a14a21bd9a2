/**
 * One log line per key and window: the first occurrence passes, the rest of the window is
 * counted and reported with the next line that passes. For what can come in floods (refused
 * requests, refused datagrams, streams sent back to stream liveness), so that a flood
 * costs a line a window, not a line an occurrence. At most `maxKeys` keys are remembered:
 * those whose window ended go first, then the oldest.
 */
export class LogWindow<K> {
  private readonly keys = new Map<K, { since: number; held: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * An occurrence of `key` at `atMs`: how many were held since its last line when this
   * one is to be logged, or undefined when it is held.
   */
  pass(key: K, atMs: number): number | undefined {
    const seen = this.keys.get(key);
    if (seen && atMs - seen.since < this.windowMs) {
      seen.held += 1;
      return undefined;
    }
    if (!seen && this.keys.size >= this.maxKeys) this.prune(atMs);
    this.keys.set(key, { since: atMs, held: 0 });
    return seen?.held ?? 0;
  }

  private prune(atMs: number): void {
    for (const [key, s] of this.keys) if (atMs - s.since >= this.windowMs) this.keys.delete(key);
    // Still full: the oldest go (a Map iterates in insertion order).
    for (const key of this.keys.keys()) {
      if (this.keys.size < this.maxKeys) break;
      this.keys.delete(key);
    }
  }
}
