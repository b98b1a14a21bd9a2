import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePrivateDir } from './private-dir.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-private-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const modeOf = (p: string) => statSync(p).mode & 0o777;

describe('ensurePrivateDir', () => {
  it('creates missing directories 0700 and reports nothing', () => {
    const seen: string[] = [];
    ensurePrivateDir(join(root, 'a', 'b'), (p) => seen.push(p));
    expect(modeOf(join(root, 'a', 'b'))).toBe(0o700);
    expect(seen).toEqual([]);
  });
  it('tightens an existing directory open to others and reports its old mode', () => {
    const dir = join(root, 'open');
    mkdirSync(dir);
    chmodSync(dir, 0o775);
    const seen: number[] = [];
    ensurePrivateDir(dir, (_p, from) => seen.push(from));
    expect(modeOf(dir)).toBe(0o700);
    expect(seen).toEqual([0o775]);
  });
});
