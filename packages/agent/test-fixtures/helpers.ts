// Shared by the tests of services/, checks/ and recovery/. Lives outside src/ so it is
// never compiled into the package.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listProcessGroup } from '../src/services/procfs-read.js';

export const TEST_FIXTURES_DIR = dirname(fileURLToPath(import.meta.url));
export const SERVICE_FIXTURES_DIR = join(TEST_FIXTURES_DIR, '..', 'src', 'services', 'fixtures');
export const STANDIN_BIN = join(SERVICE_FIXTURES_DIR, 'standin');

/** A fixture service script, e.g. `script('http-server.mjs')`. */
export const script = (name: string) => join(TEST_FIXTURES_DIR, name);

/** Captured or faithfully written outputs of systemctl, journalctl and /proc. */
export function fixture(name: string): string {
  return readFileSync(join(SERVICE_FIXTURES_DIR, name), 'utf8');
}

/** A port free on 127.0.0.1 and kept free for this test process (see the test kit). */
export { freePort } from '@vigil/testkit/free-port';

/** GET http://127.0.0.1:port/ with a short timeout; the fixture servers answer `{ ok, pid }`. */
export function httpGet(port: number, timeoutMs = 300): Promise<{ status: number; pid?: number } | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        let pid: number | undefined;
        try {
          pid = (JSON.parse(body) as { pid?: number }).pid;
        } catch {
          pid = undefined;
        }
        resolve({ status: res.statusCode ?? 0, ...(pid !== undefined ? { pid } : {}) });
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** Polls `probe` until it returns a value (not undefined/false) or `timeoutMs` passes. */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string, everyMs = 10): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Retries an assertion until it passes or `timeoutMs` passes (then its last failure is thrown). */
export async function eventually(check: () => void, timeoutMs = 5_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

/**
 * Process groups started by a test. `killAll` SIGKILLs what is left of them (only these,
 * by pgid) and reports which groups still had members, so a test can assert none survived.
 */
export class GroupTracker {
  private readonly pgids = new Set<number>();

  add(pgid: number | undefined): void {
    if (pgid) this.pgids.add(pgid);
  }

  async survivors(): Promise<number[]> {
    const alive: number[] = [];
    for (const pgid of this.pgids) if ((await listProcessGroup(pgid)).length > 0) alive.push(pgid);
    return alive;
  }

  async killAll(): Promise<number[]> {
    const alive = await this.survivors();
    for (const pgid of alive) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.pgids.clear();
    return alive;
  }
}

/** SIGKILLs children a test spawned itself and waits until each has exited. */
export async function killChildren(children: import('node:child_process').ChildProcess[]): Promise<void> {
  await Promise.all(
    children.splice(0).map((c) =>
      c.exitCode !== null || c.signalCode !== null
        ? undefined
        : new Promise<void>((resolve) => {
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
    ),
  );
}
