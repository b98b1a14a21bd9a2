import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { FakeClock } from '@vigil/shared';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from './agent.js';
import { resolveConfig } from './config.js';
import { EventJournal } from './events/event-journal.js';
import { FakeDialer } from './test-support/fake-dialer.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-datadir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const modeOf = (p: string) => statSync(p).mode & 0o777;

function agentOn(dataDir: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const agent = new Agent({
    config: resolveConfig({}, { hostId: 'web-1', interval: '1s', coordinators: '127.0.0.1:7401', dataDir }),
    dialer: new FakeDialer(),
    clock: new FakeClock(),
    logger: pino({ level: 'info' }, sink),
    collectors: [],
    staticInfo: async () => ({ hostname: 'web-1', os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1.0', arch: 'x64' } }),
  });
  return { agent, lines };
}

describe('agent data dir - readable by its user only', () => {
  it('creates a new data dir 0700', async () => {
    const dir = path.join(root, 'new', 'data');
    const { agent } = agentOn(dir);
    await agent.start();
    expect(modeOf(dir)).toBe(0o700);
  });

  it('tightens an existing 0755 data dir to 0700 and says so', async () => {
    const dir = path.join(root, 'old');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const { agent, lines } = agentOn(dir);
    await agent.start();
    expect(modeOf(dir)).toBe(0o700);
    expect(lines.find((l) => l.event === 'data_dir_tightened')).toMatchObject({ level: 40, path: dir, msg: expect.stringMatching(/mode 0755.*0700/) });
  });

  it('creates the event journal directory 0700', () => {
    const dir = path.join(root, 'journal', 'events');
    new EventJournal(dir);
    expect(modeOf(dir)).toBe(0o700);
  });
});
