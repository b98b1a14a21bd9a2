import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ephemeralRange, freePort } from './free-port.js';

const CLAIMS = join(tmpdir(), 'vigil-test-ports');
const SELF = fileURLToPath(new URL('../dist/free-port.js', import.meta.url));

/** Ports chosen by a separate node process (the built module), and whether their claims outlived it. */
function portsFromChild(n: number): number[] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const { freePort } = await import(${JSON.stringify(SELF)}); const ps = []; for (let i = 0; i < ${n}; i++) ps.push(await freePort()); console.log(JSON.stringify(ps));`], { encoding: 'utf8' });
  return JSON.parse(out) as number[];
}

describe('freePort', () => {
  it('parses the ephemeral range and falls back to Linux defaults on junk', () => {
    expect(ephemeralRange('32768\t60999\n')).toEqual({ low: 32768, high: 60999 });
    expect(ephemeralRange('1024 65535')).toEqual({ low: 1024, high: 65535 });
    expect(ephemeralRange('')).toEqual({ low: 32768, high: 60999 });
    expect(ephemeralRange('x y')).toEqual({ low: 32768, high: 60999 });
  });

  it('chooses distinct ports below the ephemeral range, bindable, claimed by this process', async () => {
    const { low } = ephemeralRange();
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(50);
    for (const port of ports) {
      if (low - 15_000 >= 2_000) expect(port).toBeLessThan(low);
      if (low - 15_000 >= 2_000) expect(readFileSync(join(CLAIMS, String(port)), 'utf8').split(' ')[0]).toBe(String(process.pid));
    }
    const srv = createServer();
    await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  });

  it('never gives a port another live process holds, and a process that ended leaves no claims', async () => {
    const { low } = ephemeralRange();
    if (low - 15_000 < 2_000) return; // no room below the range on this machine: listen(0) is all there is
    const mine = new Set<number>();
    for (let i = 0; i < 200; i++) mine.add(await freePort());
    const theirs = portsFromChild(200);
    expect(theirs.filter((p) => mine.has(p))).toEqual([]);
    expect(theirs.filter((p) => existsSync(join(CLAIMS, String(p))))).toEqual([]);
  });

  it('skips a port something outside the claims already listens on', async () => {
    const { low } = ephemeralRange();
    if (low - 15_000 < 2_000) return;
    // A listener that never claimed its port, on a port of the range.
    const srv = createServer();
    let taken = 0;
    for (let p = 15_000 + Math.floor(Math.random() * 10_000); taken === 0; p++) {
      taken = await new Promise<number>((resolve) => srv.once('error', () => resolve(0)).listen(p, '127.0.0.1', () => resolve(p)));
    }
    try {
      const offered = [taken, taken, taken];
      const port = await freePort(() => offered.shift() ?? taken + 1 + Math.floor(Math.random() * 1000));
      expect(port).not.toBe(taken);
      expect(port).toBeGreaterThan(taken);
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });
});
