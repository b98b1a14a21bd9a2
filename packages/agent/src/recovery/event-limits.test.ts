import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentEventSchema, AGENT_EVENT_LIMITS, FakeClock } from '@vigil/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeCheck, FakeManager } from '../../test-fixtures/fakes.js';
import { EventJournal } from '../events/event-journal.js';
import { parseServices } from '../services/schema.js';
import type { RecoveryEvent } from './events.js';
import { ServiceWatcher } from './watcher.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-event-limits-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const base = { atMs: 1, service: 'worker', type: 'status_changed', step: '', cause: '', requestId: '' };

describe('agent events stay within the contract', () => {
  it('a process service with 700 children reports a status detail that names a few PIDs and counts the rest', async () => {
    const clock = new FakeClock();
    const [service] = parseServices([{ name: 'worker', manager: 'process', command: ['worker'], checks: [{ type: 'http', url: 'http://127.0.0.1:8080/health' }] }], { defaultIntervalMs: 5_000 });
    const manager = new FakeManager(clock, 'process');
    manager.pidList = Array.from({ length: 700 }, (_, i) => 10_000 + i);
    const watcher = new ServiceWatcher({ service: service!, manager, clock, intervalMs: 5_000, checkFactory: () => new FakeCheck('http') });
    cleanups.push(() => watcher.stop());
    const events: RecoveryEvent[] = [];
    watcher.onEvent((e) => events.push(e));
    await watcher.start();

    const status = events.find((e) => e.type === 'status_changed')!;
    expect(status.detail).toMatch(/\(pids 10000 10001 .* 10009 … and 690 more\)$/);
    expect(status.detail.length).toBeLessThan(AGENT_EVENT_LIMITS.detail);
    const journal = new EventJournal(tempDir());
    expect(agentEventSchema.safeParse(journal.append({ ...base, detail: status.detail })).success).toBe(true);
  });

  it('the journal cuts over-long text before it writes, so nothing it sends is refused', () => {
    const dir = tempDir();
    const journal = new EventJournal(dir);
    const ev = journal.append({ ...base, service: 's'.repeat(500), detail: 'x'.repeat(4_239) });
    expect(ev.detail).toHaveLength(AGENT_EVENT_LIMITS.detail);
    expect(ev.detail.endsWith('…')).toBe(true);
    expect(agentEventSchema.safeParse(ev).success).toBe(true);
    const onDisk = JSON.parse(readFileSync(join(dir, 'events.jsonl'), 'utf8').trim());
    expect(onDisk.detail).toHaveLength(AGENT_EVENT_LIMITS.detail);
  });

  it('on replay, a journal line the contract refuses is fixed (over-long text) or skipped and reported (eventSeq 1e300), never sent', () => {
    const dir = tempDir();
    const lines = [
      { ...base, eventSeq: 1, detail: 'ok' },
      { ...base, eventSeq: 1e300, detail: 'poisoned sequence' },
      { ...base, eventSeq: 2, detail: 'y'.repeat(4_239) },
      { ...base, eventSeq: 3, type: '', detail: 'no type' },
    ];
    writeFileSync(join(dir, 'events.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const journal = new EventJournal(dir);

    const pending = journal.pendingAfter(0);
    expect(pending.map((e) => e.eventSeq)).toEqual([1, 2]);
    for (const e of pending) expect(agentEventSchema.safeParse(e).success).toBe(true);
    expect(pending[1]!.detail).toHaveLength(AGENT_EVENT_LIMITS.detail);
    expect(journal.refusedLines).toHaveLength(2);
    expect(journal.refusedLines[0]).toMatch(/line 2: event\.eventSeq: Too big.*1e\+300/);
    expect(journal.refusedLines[1]).toMatch(/line 4: event\.type/);
    // The skipped 1e300 does not poison numbering: the next event follows the highest valid one.
    expect(journal.append({ ...base, detail: 'next' }).eventSeq).toBe(3);
  });
});
