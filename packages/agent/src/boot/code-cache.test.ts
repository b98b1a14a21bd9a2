import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { codeCacheFileName, codeCacheKey, decodeCodeCache, encodeCodeCache } from './code-cache-file.js';
import { loadProgram, type LoadProgramOptions } from './code-cache.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'vigil-code-cache-'));
  dirs.push(d);
  return d;
}

/** A small CommonJS program: enough functions that V8's cache is not empty, one that throws on line 3. */
const PROGRAM = [
  "'use strict';",
  'function add(a, b) { return a + b; }',
  "function boom() { throw new Error('boom'); }",
  'module.exports = { add, boom, twice: (x) => add(x, x), file: __filename, dir: __dirname, hasRequire: typeof require === "function" };',
].join('\n');

function program(dir: string, source = PROGRAM): string {
  const file = path.join(dir, 'program.cjs');
  writeFileSync(file, source);
  return file;
}

type Program = { add(a: number, b: number): number; boom(): never; twice(x: number): number; file: string; dir: string; hasRequire: boolean };

let loads = 0;

/**
 * Loads `file` from a path of its own (`at`). V8 keeps the scripts it compiled in memory, by
 * source and file name, and ignores the cached data given for one it already has: a second
 * load from the same path would report "accepted" whatever the cache on disk held.
 */
function load(file: string, cacheDir: string | undefined, more: Partial<LoadProgramOptions> = {}) {
  const at = path.join(path.dirname(file), `load-${++loads}`, path.basename(file));
  mkdirSync(path.dirname(at));
  copyFileSync(file, at);
  const p = loadProgram({ file: at, cacheDir, sourceMaps: false, ...more });
  return { ...p, at, program: p.exports as Program };
}

/** A program and the cache its first load saved. */
function savedCache() {
  const dir = tmp();
  const cacheDir = path.join(dir, 'cache');
  const file = program(dir);
  const saved = load(file, cacheDir).saveCodeCache();
  if (saved?.state !== 'written') throw new Error(`not written: ${JSON.stringify(saved)}`);
  return { dir, cacheDir, file, saved };
}

describe('loadProgram', () => {
  it('no cache directory - the program runs as CommonJS, and nothing is saved', () => {
    const file = program(tmp());
    const p = load(file, undefined);
    expect(p.codeCache).toEqual({ state: 'off', why: expect.stringContaining('no cache directory') });
    expect(p.program.twice(21)).toBe(42);
    expect(p.saveCodeCache()).toBeUndefined();
  });

  it('first start - absent, runs; the save writes a cache the next start takes, and that start saves nothing', () => {
    const dir = tmp();
    const cacheDir = path.join(dir, 'cache', 'nested');
    const file = program(dir);
    const first = load(file, cacheDir);
    expect(first.codeCache.state).toBe('absent');
    expect(first.program.twice(2)).toBe(4);
    expect(first.program).toMatchObject({ file: first.at, dir: path.dirname(first.at), hasRequire: true });
    const saved = first.saveCodeCache();
    expect(saved).toMatchObject({ state: 'written', removed: [] });
    if (saved?.state !== 'written') throw new Error('not written');
    // Private: a code cache is code.
    expect(statSync(saved.file).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(cacheDir)).toEqual([path.basename(saved.file)]);
    expect(first.saveCodeCache()).toBeUndefined(); // once

    const second = load(file, cacheDir);
    expect(second.codeCache).toMatchObject({ state: 'accepted', file: saved.file });
    expect(second.program.add(1, 2)).toBe(3);
    expect(second.saveCodeCache()).toBeUndefined();
  });

  it('stack traces keep the bundle\'s own lines and columns (the wrapper adds none)', () => {
    const p = load(program(tmp()), tmp());
    let thrown: unknown;
    try {
      p.program.boom();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    const frame = (thrown as Error).stack!.split('\n')[1]!;
    const column = PROGRAM.split('\n')[2]!.indexOf('new Error') + 1;
    expect(frame).toContain(`${p.at}:3:${column}`);
  });

  it('a cache made for another build of the same length - not handed to V8; the new build runs', () => {
    const dir = tmp();
    const cacheDir = path.join(dir, 'cache');
    const file = program(dir);
    load(file, cacheDir).saveCodeCache();
    // Same length, other code: V8 alone would take the old cache (it checks only the length).
    const other = PROGRAM.replace('return a + b', 'return a * b');
    expect(other.length).toBe(PROGRAM.length);
    const old = readdirSync(cacheDir)[0]!;
    writeFileSync(file, other);
    const next = load(file, cacheDir);
    expect(next.codeCache.state).toBe('absent'); // its own key, its own file name
    expect(next.program.add(3, 4)).toBe(12);
    // Even under the old file name, the key inside tells the builds apart.
    const renamed = path.join(cacheDir, codeCacheFileName(codeCacheKey({ source: readFileSync(file), nodeVersion: process.version, arch: process.arch, execArgv: process.execArgv })));
    writeFileSync(renamed, readFileSync(path.join(cacheDir, old)), { mode: 0o600 });
    const again = load(file, cacheDir);
    expect(again.codeCache).toMatchObject({ state: 'rejected', reason: 'made for another build, Node version or flag set' });
    expect(again.program.add(3, 4)).toBe(12);
  });

  it('a damaged cache - rejected with the reason, the program parsed and run, and the save replaces it', () => {
    const { cacheDir, file, saved } = savedCache();
    const bytes = readFileSync(saved.file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(saved.file, bytes);
    const p = load(file, cacheDir);
    expect(p.codeCache).toMatchObject({ state: 'rejected', reason: 'damaged (payload hash mismatch)' });
    expect(p.program.twice(5)).toBe(10);
    expect(p.saveCodeCache()?.state).toBe('written');
    expect(load(file, cacheDir).codeCache.state).toBe('accepted');

    writeFileSync(saved.file, 'half a fi');
    expect(load(file, cacheDir).codeCache).toMatchObject({ state: 'rejected', reason: 'not a code cache file (bad magic or too short)' });
  });

  it('a cache V8 refuses (right header, a payload it cannot use) - rejected, the program still runs', () => {
    const dir = tmp();
    const cacheDir = path.join(dir, 'cache');
    const file = program(dir);
    const key = codeCacheKey({ source: readFileSync(file), nodeVersion: process.version, arch: process.arch, execArgv: process.execArgv });
    mkdirSync(cacheDir);
    writeFileSync(path.join(cacheDir, codeCacheFileName(key)), encodeCodeCache(key, Buffer.alloc(512, 7)), { mode: 0o600 });
    const p = load(file, cacheDir);
    expect(p.codeCache).toMatchObject({ state: 'rejected', reason: 'V8 refused it' });
    expect(p.program.add(2, 2)).toBe(4);
    expect(p.saveCodeCache()?.state).toBe('written');
  });

  it('a cache others could have written, or another user owns - not trusted', () => {
    const { cacheDir, file, saved } = savedCache();
    chmodSync(saved.file, 0o666);
    expect(load(file, cacheDir).codeCache).toMatchObject({ state: 'rejected', reason: 'writable by group or others (mode 0666)' });
    chmodSync(saved.file, 0o600);
    const uid = statSync(saved.file).uid;
    expect(load(file, cacheDir, { uid: uid + 1 }).codeCache).toMatchObject({ state: 'rejected', reason: `owned by uid ${uid}, not by this user (uid ${uid + 1})` });
    expect(load(file, cacheDir, { uid }).codeCache.state).toBe('accepted');
  });

  it('a cache directory it cannot write - the save fails with the reason and leaves no temporary file', () => {
    const dir = tmp();
    const file = program(dir);
    const blocker = path.join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const p = load(file, path.join(blocker, 'cache'));
    expect(p.codeCache).toMatchObject({ state: 'rejected', reason: expect.stringMatching(/^cannot open: ENOTDIR/) });
    expect(p.saveCodeCache()).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^(ENOTDIR|EEXIST):/) });
    expect(readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(dir)).toContain('not-a-dir');
  });

  it('saving keeps one cache per directory: the other code caches go, other files stay', () => {
    const dir = tmp();
    const cacheDir = path.join(dir, 'cache');
    const file = program(dir);
    const first = load(file, cacheDir).saveCodeCache() as { file: string };
    const older = path.join(cacheDir, 'vigil-agent-00000000000000aa.codecache');
    const unrelated = path.join(cacheDir, 'notes.txt');
    for (const f of [older, unrelated]) writeFileSync(f, 'x');
    writeFileSync(file, `${PROGRAM}\n// the next build\n`);
    const saved = load(file, cacheDir).saveCodeCache();
    if (saved?.state !== 'written') throw new Error('not written');
    expect([...saved.removed].sort()).toEqual([first.file, older].sort());
    expect(readdirSync(cacheDir).sort()).toEqual([path.basename(saved.file), 'notes.txt'].sort());
  });

  it('source maps on - required as usual (Node maps only what its loader compiled), no cache', () => {
    const dir = tmp();
    const p = load(program(dir), path.join(dir, 'cache'), { sourceMaps: true });
    expect(p.codeCache).toEqual({ state: 'off', why: 'source maps are on (--enable-source-maps)' });
    expect(p.program.add(1, 1)).toBe(2);
    expect(p.saveCodeCache()).toBeUndefined();
  });
});

describe('code cache file', () => {
  const key = codeCacheKey({ source: Buffer.from('x'), nodeVersion: 'v20.0.0', arch: 'x64', execArgv: ['--lite-mode'] });

  it('round-trips its payload, and the key covers source, Node version, arch and flags', () => {
    expect(decodeCodeCache(encodeCodeCache(key, Buffer.from('payload')), key)).toEqual({ ok: true, payload: Buffer.from('payload') });
    const others = [
      { source: Buffer.from('y'), nodeVersion: 'v20.0.0', arch: 'x64', execArgv: ['--lite-mode'] },
      { source: Buffer.from('x'), nodeVersion: 'v20.0.1', arch: 'x64', execArgv: ['--lite-mode'] },
      { source: Buffer.from('x'), nodeVersion: 'v20.0.0', arch: 'arm64', execArgv: ['--lite-mode'] },
      { source: Buffer.from('x'), nodeVersion: 'v20.0.0', arch: 'x64', execArgv: [] },
    ];
    for (const o of others) expect(codeCacheKey(o).equals(key)).toBe(false);
    expect(codeCacheFileName(key)).toMatch(/^vigil-agent-[0-9a-f]{16}\.codecache$/);
  });
});
