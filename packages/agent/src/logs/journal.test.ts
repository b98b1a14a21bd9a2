import { describe, expect, it } from 'vitest';
import { parseJournalLine } from './journal.js';

// As `journalctl -o json -u api.service` prints them (fields trimmed).
const TEXT = '{"__REALTIME_TIMESTAMP":"1714564800000000","PRIORITY":"3","_SYSTEMD_UNIT":"api.service","SYSLOG_IDENTIFIER":"api","MESSAGE":"write /data/x: No space left on device","_PID":"4242"}';
const BINARY = '{"PRIORITY":"6","_SYSTEMD_UNIT":"api.service","MESSAGE":[79,117,116,79,102,77,101,109,111,114,121,69,114,114,111,114,255]}';

describe('journal - json lines', () => {
  it('reads MESSAGE, unit and priority', () => {
    expect(parseJournalLine(TEXT)).toEqual({ message: 'write /data/x: No space left on device', unit: 'api.service', priority: 3 });
  });
  it('decodes a MESSAGE given as bytes', () => {
    expect(parseJournalLine(BINARY)).toEqual({ message: 'OutOfMemoryError\uFFFD', unit: 'api.service', priority: 6 });
  });
  it('returns null for what is not an entry with a message', () => {
    for (const line of ['', 'plain text', '[]', 'null', '{"PRIORITY":"3"}', '{"MESSAGE":null}', '{"MESSAGE":"cut']) expect(parseJournalLine(line)).toBeNull();
  });
});
