import { afterAll, describe, expect, it } from 'vitest';
import { liveChildren, spawnChild, stopAllChildren } from './processes.js';

afterAll(() => stopAllChildren());

/** A node child that ignores SIGTERM and says so once the handler is in place. */
function stubborn() {
  const child = spawnChild({
    name: 'stubborn',
    command: process.execPath,
    args: ['-e', "process.on('SIGTERM', () => console.log('ignored SIGTERM')); console.log('ready'); setInterval(() => {}, 1000);"],
  });
  return child;
}

async function until(fn: () => boolean): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!fn()) {
    if (performance.now() > deadline) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Child', () => {
  it('keeps the tail of stdout and stderr', async () => {
    const child = spawnChild({ name: 'talker', command: process.execPath, args: ['-e', "console.log('out-line'); console.error('err-line')"] });
    const exit = await child.waitExit();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(child.stdout.text()).toBe('out-line\n');
    expect(child.stderr.text()).toBe('err-line\n');
    expect(child.output()).toContain('talker (pid');
    expect(child.output()).toContain('exited code=0');
  });

  it('stops with SIGTERM when the process obeys it', async () => {
    const child = spawnChild({ name: 'sleeper', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] });
    const exit = await child.stop(5000);
    expect(exit.signal).toBe('SIGTERM');
    expect(child.running).toBe(false);
  });

  it('escalates to SIGKILL once the grace has passed', async () => {
    const child = stubborn();
    await until(() => child.stdout.text().includes('ready'));
    const started = performance.now();
    const exit = await child.stop(300);
    expect(exit.signal).toBe('SIGKILL');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(child.stdout.text()).toContain('ignored SIGTERM');
  });

  it('continues a SIGSTOPped process before stopping it', async () => {
    const child = spawnChild({ name: 'paused', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] });
    child.signal('SIGSTOP');
    expect(child.isStopped).toBe(true);
    const exit = await child.stop(5000);
    expect(exit.signal).toBe('SIGTERM');
  });

  it('waitExit names the process and its output when it does not exit in time', async () => {
    const child = spawnChild({ name: 'lingerer', command: process.execPath, args: ['-e', "console.error('still here'); setInterval(() => {}, 1000)"] });
    await until(() => child.stderr.text().includes('still here'));
    await expect(child.waitExit(100)).rejects.toThrow(/lingerer \(pid \d+\) did not exit within 100 ms[\s\S]*still here/);
    await child.kill();
  });

  it('stopAllChildren ends every live child and empties the registry', async () => {
    const a = stubborn();
    const b = spawnChild({ name: 'sleeper-b', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] });
    await until(() => a.stdout.text().includes('ready'));
    expect(liveChildren()).toEqual(expect.arrayContaining([a, b]));
    await stopAllChildren(200);
    expect(a.running).toBe(false);
    expect(b.running).toBe(false);
    expect(liveChildren()).toEqual([]);
  });
});
