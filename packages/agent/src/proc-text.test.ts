import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readProcText, readProcTextIfPresent } from './proc-text.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-proc-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readProcText', () => {
  it('reads a real procfs file whole (short reads until end of file)', () => {
    const text = readProcText('/proc/self/status');
    expect(text).toMatch(/^Name:/);
    expect(text).toContain(`\nPid:\t${process.pid}\n`);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('grows past its first buffer and keeps the bytes in order', () => {
    const big = Array.from({ length: 20_000 }, (_, i) => `line ${i} ü`).join('\n');
    const path = join(dir, 'big');
    writeFileSync(path, big);
    expect(readProcText(path)).toBe(big);
    // the grown buffer is reused for a small file without leaking the old tail
    writeFileSync(join(dir, 'small'), 'cpu 1 2 3\n');
    expect(readProcText(join(dir, 'small'))).toBe('cpu 1 2 3\n');
  });

  it('a process that is gone is undefined; any other error is thrown with the path', () => {
    expect(readProcTextIfPresent('/proc/2147483646/stat')).toBeUndefined();
    expect(() => readProcText('/proc/2147483646/stat')).toThrow(/ENOENT.*\/proc\/2147483646\/stat/);
    expect(() => readProcTextIfPresent(dir)).toThrow(/EISDIR/);
  });
});
