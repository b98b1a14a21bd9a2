import { describe, expect, it } from 'vitest';
import { fixture } from '../../test-fixtures/helpers.js';
import { parseJournalLine } from '../logs/journal.js';
import { decodeField, parseJournalEntry, parseJournalJson } from './journal.js';

describe('journalctl -o json parser', () => {
  it('parseJournalJson - reads messages, times in ms, priorities and pids of a failed start', () => {
    const { entries, malformed } = parseJournalJson(fixture('journal-myapp-failed.jsonl'));
    expect(malformed).toBe(0);
    expect(entries).toHaveLength(5);
    expect(entries[0]).toEqual({ at: 1_732_606_872_000, message: 'Started myapp.service - My App.', priority: 6, pid: 1, identifier: 'systemd' });
    expect(entries[1]).toMatchObject({ message: 'Failed to parse config /etc/myapp/config.yml: unexpected token at line 3', priority: 3, pid: 20417, identifier: 'myapp' });
    expect(entries[3]!.message).toBe('myapp.service: Main process exited, code=exited, status=1/FAILURE');
  });

  it('parseJournalJson - decodes a MESSAGE given as a byte array (colour codes)', () => {
    const { entries } = parseJournalJson(fixture('journal-myapp-failed.jsonl'));
    expect(entries[2]!.message).toBe('\u001b[31merror\u001b[0m config not loaded');
  });

  it('parseJournalJson - joins a repeated field and keeps an entry whose oversized MESSAGE is null', () => {
    const { entries } = parseJournalJson(fixture('journal-nginx-active.jsonl'));
    expect(entries[2]!.message).toBe('worker process 813 started\nworker process 814 started');
    expect(entries[3]).toMatchObject({ message: '', pid: 812 });
  });

  it('parseJournalJson - counts cut or foreign lines instead of failing', () => {
    const text = `${fixture('journal-nginx-active.jsonl')}{"__REALTIME_TIMESTAMP":"17326\n-- No entries --\n[1,2]\n{"MESSAGE":"no time"}\n`;
    const { entries, malformed } = parseJournalJson(text);
    expect(entries).toHaveLength(4);
    expect(malformed).toBe(4);
  });

  it('decodeField - strings, byte arrays, nulls', () => {
    expect(decodeField('x')).toBe('x');
    expect(decodeField([104, 105])).toBe('hi');
    expect(decodeField(null)).toBeUndefined();
    expect(decodeField([[104], 'b'])).toBe('h\nb');
  });

  it('parseJournalEntry - one parse serves the services and the log matcher, on the same captured lines', () => {
    const lines = fixture('journal-myapp-failed.jsonl').split('\n').filter((l) => l.trim() !== '');
    const { entries } = parseJournalJson(lines.join('\n'));
    lines.forEach((line, i) => {
      const f = parseJournalEntry(line)!;
      expect(entries[i]).toMatchObject({ at: f.at, message: f.message });
      expect(parseJournalLine(line)).toEqual({ message: f.message, unit: f.unit ?? null, priority: f.priority ?? null });
    });
    expect(parseJournalEntry('{"MESSAGE":"x","PRIORITY":"9","_SYSTEMD_UNIT":"a.service"}')).toEqual({ message: 'x', unit: 'a.service' });
    expect(parseJournalEntry('[1]')).toBeNull();
  });
});
