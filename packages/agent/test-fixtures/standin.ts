// The systemd stand-in: these machines have no systemd, so tests put a recording
// `systemctl`/`journalctl` first on PATH; it logs its argv and answers from the fixtures.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServices, type SystemdServiceSpec } from '../src/services/schema.js';
import { SHOW_PROPERTIES } from '../src/services/systemd-show.js';
import { fixture, STANDIN_BIN } from './helpers.js';

/**
 * These machines have no systemd: a recording stand-in `systemctl`/`journalctl` is put
 * first on PATH; it logs its argv and answers from the captured fixtures.
 */
export interface Standin {
  dir: string;
  cgroupRoot: string;
  env: NodeJS.ProcessEnv;
  /** Sets the unit's state and what `show` prints for it. MainPID is always replaced: a fixture's pid may be a real process here. */
  setUnit(opts: { state?: 'active' | 'inactive' | 'failed'; mainPid?: number; cgroupPids?: number[] }): void;
  /** The states successive starts/restarts lead to; the last one sticks. */
  afterStart(states: ('active' | 'failed' | 'inactive')[]): void;
  /** Journal entries journalctl will print, as faithful `-o json` lines built from a captured entry. */
  journal(entries: { message: string; atMs: number }[]): void;
  calls(): string[];
  /** The calls that change something (everything but `systemctl show`). */
  actions(): string[];
}

export function makeStandin(): Standin {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-standin-'));
  const cgroupRoot = join(dir, 'cgroup');
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  return {
    dir,
    cgroupRoot,
    env: { ...process.env, PATH: `${STANDIN_BIN}:${process.env.PATH ?? ''}`, STANDIN_DIR: dir },
    setUnit({ state = 'active', mainPid = 0, cgroupPids = [] }) {
      const withPid = (name: string, pid: number) => fixture(name).replace(/^MainPID=\d+$/m, `MainPID=${pid}`).replace(/^ExecMainPID=\d+$/m, `ExecMainPID=${pid}`);
      write('show-active.txt', withPid('systemctl-show-active.txt', mainPid));
      write('show-inactive.txt', withPid('systemctl-show-inactive.txt', 0));
      write('show-failed.txt', withPid('systemctl-show-failed.txt', 0));
      write('state', `${state}\n`);
      const cg = join(cgroupRoot, 'system.slice', 'nginx.service');
      mkdirSync(cg, { recursive: true });
      writeFileSync(join(cg, 'cgroup.procs'), cgroupPids.map((p) => `${p}\n`).join(''));
    },
    afterStart(states) {
      write('after-start', states.map((x) => `${x}\n`).join(''));
    },
    journal(entries) {
      const template = JSON.parse(fixture('journal-myapp-failed.jsonl').split('\n')[1]!) as Record<string, unknown>;
      write('journal.jsonl', entries.map((e) => JSON.stringify({ ...template, __REALTIME_TIMESTAMP: String(e.atMs * 1000), MESSAGE: e.message })).join('\n') + '\n');
    },
    actions() {
      return this.calls().filter((c) => !c.startsWith('systemctl show '));
    },
    calls() {
      try {
        return readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}

export const SHOW_CALL = `systemctl show nginx.service --property=${SHOW_PROPERTIES.join(',')}`;

export function systemdSpec(overrides: Record<string, unknown> = {}, defaultIntervalMs = 1_000): SystemdServiceSpec {
  const [spec] = parseServices([{ name: 'web', manager: 'systemd', unit: 'nginx.service', ...overrides }], { defaultIntervalMs });
  return spec as SystemdServiceSpec;
}

