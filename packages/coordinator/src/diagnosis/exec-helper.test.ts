import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@vigil/shared';
import { pidAlive, waitFor } from '@vigil/testkit';
import { ExecHelper } from './exec-helper.js';
import { createLocalProber } from './local-prober.js';

const helpers: ExecHelper[] = [];
function helper(restartAfterMs = 1000): ExecHelper {
  const h = new ExecHelper(createLogger('test', 'silent'), restartAfterMs);
  helpers.push(h);
  return h;
}
const opts = (signal = new AbortController().signal) => ({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, maxBuffer: 64 * 1024, signal });

afterEach(() => {
  for (const h of helpers.splice(0)) h.close();
});

describe('probe helper process', () => {
  it('runs the program from the helper, not from this process: output, exit status, spawn errors', async () => {
    const h = helper();
    h.start();
    const r = await h.exec('sh', ['-c', 'echo "parent $PPID"; echo oops >&2; exit 3'], opts());
    expect(h.pid).toBeGreaterThan(0);
    expect(h.pid).not.toBe(process.pid);
    expect(r.stdout.trim()).toBe(`parent ${h.pid}`);
    expect(r.stderr.trim()).toBe('oops');
    expect(r.error?.code).toBe(3);
    expect(await h.exec('true', [], opts())).toEqual({ stdout: '', stderr: '' });
    expect((await h.exec('/nonexistent/vigil-no-such-program', [], opts())).error?.code).toBe('ENOENT');
  });

  it('an abort stops the program in the helper', async () => {
    const h = helper();
    const ac = new AbortController();
    const started = performance.now();
    const pending = h.exec('sleep', ['5'], opts(ac.signal));
    setTimeout(() => ac.abort(), 100);
    const r = await pending;
    expect(r.error?.name).toBe('AbortError');
    expect(performance.now() - started).toBeLessThan(4000);
  });

  it('a helper that dies: what it was running runs here instead, and the next call starts a new helper', async () => {
    const h = helper(0);
    h.start();
    const first = h.pid!;
    const pending = h.exec('sh', ['-c', 'sleep 0.3; echo "parent $PPID"'], opts());
    process.kill(first, 'SIGKILL');
    const r = await pending;
    expect(r.error).toBeUndefined();
    // Run again from this process once the helper was gone.
    expect(r.stdout.trim()).toBe(`parent ${process.pid}`);
    await waitFor(() => !pidAlive(first), { what: 'the killed helper gone' });
    const again = await h.exec('sh', ['-c', 'echo "parent $PPID"'], opts());
    expect(h.pid).not.toBe(first);
    expect(again.stdout.trim()).toBe(`parent ${h.pid}`);
  });

  it('close ends the helper process', async () => {
    const h = helper();
    h.start();
    const pid = h.pid!;
    expect(pidAlive(pid)).toBe(true);
    h.close();
    await waitFor(() => !pidAlive(pid), { what: 'the helper exits once closed' });
    // Closed: programs run here.
    expect((await h.exec('sh', ['-c', 'echo "parent $PPID"'], opts())).stdout.trim()).toBe(`parent ${process.pid}`);
  });

  it('the coordinator vantage pings through it (real ping of 127.0.0.1)', async () => {
    const h = helper();
    const prober = createLocalProber(undefined, h.exec);
    try {
      const r = await prober.probe({ kind: 'ping', target: '127.0.0.1', timeoutMs: 2000 });
      expect(r).toMatchObject({ ok: true, kind: 'ping', target: '127.0.0.1' });
      expect(h.pid).toBeGreaterThan(0);
    } finally {
      prober.close();
    }
  });
});
