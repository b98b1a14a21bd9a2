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

/** Every field Vigil reads from one journal entry, decoded; absent when the entry lacks it. */
export interface JournalFields {
  /** __REALTIME_TIMESTAMP (µs) as epoch ms. */
  at?: number;
  message?: string;
  /** PRIORITY: 0 (emerg) .. 7 (debug); other values are not priorities. */
  priority?: number;
  pid?: number;
  /** SYSLOG_IDENTIFIER, else _COMM. */
  identifier?: string;
  /** _SYSTEMD_UNIT. */
  unit?: string;
}

/**
 * The one parser of a `journalctl -o json` line; the services (parseJournalJson) and the
 * log matcher (logs/journal.ts) are views of it. Null when the line is not a JSON object.
 */
export function parseJournalEntry(line: string): JournalFields | null {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return null;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return null;
  const o = obj as Record<string, unknown>;
  const out: JournalFields = {};
  const us = num(o.__REALTIME_TIMESTAMP);
  if (us !== undefined) out.at = Math.floor(us / 1000);
  const message = decodeField(o.MESSAGE);
  if (message !== undefined) out.message = message;
  const priority = num(o.PRIORITY);
  if (priority !== undefined && Number.isInteger(priority) && priority >= 0 && priority <= 7) out.priority = priority;
  const pid = num(o._PID);
  if (pid !== undefined) out.pid = pid;
  const identifier = decodeField(o.SYSLOG_IDENTIFIER) ?? decodeField(o._COMM);
  if (identifier !== undefined) out.identifier = identifier;
  const unit = decodeField(o._SYSTEMD_UNIT);
  if (unit !== undefined) out.unit = unit;
  return out;
}

/** Entries of a `journalctl -o json` output; a line without a timestamp counts as malformed. */
export function parseJournalJson(text: string): JournalParse {
  const entries: JournalEntry[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = parseJournalEntry(line);
    if (f?.at === undefined) {
      malformed++;
      continue;
    }
    const entry: JournalEntry = { at: f.at, message: f.message ?? '' };
    if (f.priority !== undefined) entry.priority = f.priority;
    if (f.pid !== undefined) entry.pid = f.pid;
    if (f.identifier !== undefined) entry.identifier = f.identifier;
    entries.push(entry);
  }
  return { entries, malformed };
}
