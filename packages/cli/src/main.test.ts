import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands/index.js';
import { EXIT, exitCodeOfStatus } from './exit-codes.js';
import { findCommand, main } from './main.js';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (s: string) => out.push(s), isTTY: false }, stderr: { write: (s: string) => err.push(s) }, env: { HOME: '/nonexistent', ...env } }, out, err };
}

describe('cli main - dispatch, usage errors, exit codes', () => {
  it('two-word commands before one-word ones; unknown is undefined', () => {
    expect(findCommand(['silence', 'add', '--host', 'x'])?.command.name).toBe('silence add');
    expect(findCommand(['host', 'web-1'])?.command.name).toBe('host');
    expect(findCommand(['service', 'restart', 'h', 's'])?.rest).toEqual(['h', 's']);
    expect(findCommand(['nope'])).toBeUndefined();
  });

  it('every command has a unique name and a summary', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of COMMANDS) expect(c.summary.length).toBeGreaterThan(5);
  });

  it('usage errors exit 2 and say what was wrong', async () => {
    const a = io();
    expect(await main(['host'], a.io)).toBe(EXIT.USAGE);
    expect(a.err.join('')).toContain('host: takes 1 argument (ID), got 0');
    const b = io();
    expect(await main(['incidents', '--class', 'bad'], b.io)).toBe(EXIT.USAGE);
    expect(b.err.join('')).toContain('--class: must be one of');
    expect(b.err.join('')).toContain('(got "bad")');
    const c = io();
    expect(await main(['frob'], c.io)).toBe(EXIT.USAGE);
    expect(c.err.join('')).toContain('unknown command "frob"');
    const g = io();
    expect(await main(['silence', 'mute'], g.io)).toBe(EXIT.USAGE);
    expect(g.err.join('')).toContain('silence: name one of: silence list, silence add, silence rm (got "mute")');
    const d = io({ VIGIL_URL: 'nope' });
    expect(await main(['hosts'], d.io)).toBe(EXIT.USAGE);
    expect(d.err.join('')).toContain('VIGIL_URL: must be an http:// or https:// URL (got "nope")');
  });

  it('--help needs no config and exits 0', async () => {
    const a = io({ VIGIL_URL: 'nope' });
    expect(await main(['hosts', '--help'], a.io)).toBe(EXIT.OK);
    expect(a.out.join('')).toMatch(/^Usage: vigil hosts \[options\]/);
  });

  it('HTTP statuses map to the documented codes', () => {
    expect([400, 401, 403, 404, 409, 500, 503].map(exitCodeOfStatus)).toEqual([2, 4, 4, 3, 5, 1, 1]);
  });
});
