/** The parts of a `journalctl -o json` entry that log matching needs. */
export interface JournalEntry {
  message: string;
  /** `_SYSTEMD_UNIT`, when the entry has one. */
  unit: string | null;
  /** syslog priority 0 (emerg) to 7 (debug), when given. */
  priority: number | null;
}

/**
 * journald writes a field as a string, as an array of byte values when it is not valid
 * UTF-8 (or holds control characters), and as an array of such values when repeated.
 */
function fieldText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8');
    const parts = v.map(fieldText).filter((p): p is string => p !== null);
    return parts.length > 0 ? parts.join('\n') : null;
  }
  return null;
}

/** Parses one line of `journalctl -o json`; null when it is not an entry with a MESSAGE. */
export function parseJournalLine(line: string): JournalEntry | null {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return null;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return null;
  const o = doc as Record<string, unknown>;
  const message = fieldText(o.MESSAGE);
  if (message === null) return null;
  const unit = fieldText(o._SYSTEMD_UNIT);
  const priority = typeof o.PRIORITY === 'string' && /^[0-7]$/.test(o.PRIORITY) ? Number(o.PRIORITY) : null;
  return { message, unit, priority };
}
