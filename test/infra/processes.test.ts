import { afterAll, describe, expect, it } from 'vitest';
import { Child, RingBuffer, parseVmRss, rssBytes, stopAllChildren, liveChildren } from '../helpers/processes.js';
import { holdsFor, waitFor } from '../helpers/poll.js';
import { freePort } from '../helpers/free-port.js';

/** A child that prints a counter every 20 ms and says "bye" on SIGTERM. */
const TICKER = `let n = 0; setInterval(() => console.log(n++), 20);
process.on('SIGTERM', () => { console.error('bye'); process.exit(0); });`;

function ticker(): Child {
  return new Child({ name: 'ticker', command: process.execPath, args: ['-e', TICKER] });
}

function lastCount(c: Child): number {
  const lines = c.stdout.text().trim().split('\n');
  return Number(lines[lines.length - 1]);
}

describe('child processes', () => {
  afterAll(() => stopAllChildren());

  it('processes - SIGSTOP freezes, SIGCONT resumes, SIGTERM exits 0', async () => {
    const c = ticker();
    await waitFor(() => lastCount(c) >= 3, { what: 'ticks', observe: () => c.output() });
    c.signal('SIGSTOP');
    // A frozen process prints nothing more.
    await waitFor(() => c.isStopped, {});
    const frozenAt = await waitFor(async () => {
      const a = lastCount(c);
      await new Promise((r) => setTimeout(r, 100));
      return lastCount(c) === a ? a : undefined;
    }, { what: 'counter to stop' });
    await holdsFor(() => lastCount(c) === frozenAt, { durationMs: 200, what: 'frozen counter' });
    c.signal('SIGCONT');
    await waitFor(() => lastCount(c) > frozenAt, { what: 'counter to resume' });
    const exit = await c.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(c.stderr.text()).toContain('bye');
  });

  it('processes - stop() of a frozen process continues it first', async () => {
    const c = ticker();
    await waitFor(() => lastCount(c) >= 1, { what: 'ticks' });
    c.signal('SIGSTOP');
    expect(await c.stop(3000)).toEqual({ code: 0, signal: null });
  });

  it('processes - kill() ends with SIGKILL and the child is no longer tracked', async () => {
    const c = ticker();
    expect(liveChildren()).toContain(c);
    expect(await c.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(liveChildren()).not.toContain(c);
    expect(() => c.signal('SIGTERM')).not.toThrow();
  });

  it('processes - RSS of a live process is read from /proc', async () => {
    const c = ticker();
    await waitFor(() => lastCount(c) >= 1, { what: 'ticks' });
    const rss = await rssBytes(c.pid);
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(parseVmRss('Name:\tnode\nVmRSS:\t   61234 kB\nThreads: 7\n')).toBe(61234 * 1024);
    await c.stop();
  });

  it('RingBuffer - keeps the tail', () => {
    const r = new RingBuffer(10);
    r.push(Buffer.from('0123456789'));
    r.push(Buffer.from('abc'));
    expect(r.text()).toBe('3456789abc');
  });

  it('waitFor - returns the value, or names the last observation on timeout', async () => {
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? n : undefined), { intervalMs: 1 })).toBe(3);
    await expect(waitFor(() => false, { timeoutMs: 50, what: 'never', observe: () => ({ state: 'suspect' }) })).rejects.toThrow(
      /timed out after 50 ms waiting for never; last observation: {"state":"suspect"}/,
    );
    await expect(holdsFor(() => false, { durationMs: 50, what: 'x' })).rejects.toThrow(/x stopped holding/);
  });

  it('freePort - returns a bindable port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1023);
    const { createServer } = await import('node:net');
    const s = createServer();
    await new Promise<void>((resolve, reject) => s.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => s.close(() => resolve()));
  });
});
