/*
 * Pure parsing of `journalctl -o json` output: one JSON object per line
 * (systemd.journal-fields(7), journalctl(1) "json").
 */

export interface JournalEntry {
  /** __REALTIME_TIMESTAMP (µs) as epoch ms. */
  at: number;
  message: string;
  /** 0 (emerg) .. 7 (debug). */
  priority?: number;
  pid?: number;
  identifier?: string;
}

export interface JournalParse {
  entries: JournalEntry[];
  /** Lines that were not journal entries (cut output, a stray message). */
  malformed: number;
}

/**
 * A field value as journalctl encodes it: a string; an array of bytes when the value is not
 * printable text (colour codes, invalid UTF-8); null when larger than 4096 bytes and `--all`
 * was not given; an array of those when the field occurs more than once in an entry.
 */
export function decodeField(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    if (value.every((b) => typeof b === 'number')) return Buffer.from(value as number[]).toString('utf8');
    const parts = value.map(decodeField).filter((v): v is string => v !== undefined);
    return parts.length > 0 ? parts.join('\n') : undefined;
  }
  return undefined;
}

function num(value: unknown): number | undefined {
  const s = decodeField(value);
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

export function parseJournalJson(text: string): JournalParse {
  const entries: JournalEntry[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      malformed++;
      continue;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      malformed++;
      continue;
    }
    const o = obj as Record<string, unknown>;
    const us = num(o.__REALTIME_TIMESTAMP);
    if (us === undefined) {
      malformed++;
      continue;
    }
    const entry: JournalEntry = { at: Math.floor(us / 1000), message: decodeField(o.MESSAGE) ?? '' };
    const priority = num(o.PRIORITY);
    if (priority !== undefined) entry.priority = priority;
    const pid = num(o._PID);
    if (pid !== undefined) entry.pid = pid;
    const identifier = decodeField(o.SYSLOG_IDENTIFIER) ?? decodeField(o._COMM);
    if (identifier !== undefined) entry.identifier = identifier;
    entries.push(entry);
  }
  return { entries, malformed };
}
