import { parseJournalEntry } from '../services/journal.js';

/** The parts of a `journalctl -o json` entry that log matching needs. */
export interface JournalEntry {
  message: string;
  /** `_SYSTEMD_UNIT`, when the entry has one. */
  unit: string | null;
  /** syslog priority 0 (emerg) to 7 (debug), when given. */
  priority: number | null;
}

/** One line of `journalctl -o json` (parsed by the services' journal parser); null when it is not an entry with a MESSAGE. */
export function parseJournalLine(line: string): JournalEntry | null {
  const f = parseJournalEntry(line);
  if (f?.message === undefined) return null;
  return { message: f.message, unit: f.unit ?? null, priority: f.priority ?? null };
}
