import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { CODE_CACHE_FILE_PATTERN, codeCacheFileName, codeCacheKey, decodeCodeCache, encodeCodeCache } from './code-cache-file.js';

/**
 * Loads the agent's CommonJS bundle through V8's code cache.
 *
 * Why: without one, every start parses the whole 1.1 MB bundle. The parser's memory comes
 * from malloc and is freed at once, but glibc cannot give back freed memory below memory
 * still in use, so part of that burst stays in the agent's resident set for its lifetime
 * (bench/agent-footprint/README.md). With a cache V8 deserialises the functions instead:
 * less memory at rest, and a faster start.
 *
 * The cache is made by the running agent (saveCodeCache, once it has done a few rounds of
 * its work, so it holds the functions a steady agent runs) and used by the next start.
 * Anything wrong with it (absent, another build, damaged, not trusted, refused by V8) only
 * means this start parses the bundle as it would without a cache.
 */

export type CodeCacheState =
  | { readonly state: 'off'; readonly why: string }
  | { readonly state: 'absent'; readonly file: string }
  | { readonly state: 'accepted'; readonly file: string; readonly bytes: number }
  | { readonly state: 'rejected'; readonly file: string; readonly reason: string };

export type CodeCacheSave =
  | { readonly state: 'written'; readonly file: string; readonly bytes: number; readonly removed: readonly string[] }
  | { readonly state: 'failed'; readonly file: string; readonly reason: string };

export interface LoadedProgram {
  /** The bundle's module.exports. */
  readonly exports: unknown;
  readonly codeCache: CodeCacheState;
  /**
   * Writes the cache of every function compiled so far, when this start had none that V8
   * took. Undefined when there is nothing to do (cache off, or accepted, or already saved).
   */
  saveCodeCache(): CodeCacheSave | undefined;
}

export interface LoadProgramOptions {
  /** Absolute path of the CommonJS bundle. */
  readonly file: string;
  /** Where caches are kept; undefined: no cache. */
  readonly cacheDir: string | undefined;
  /** Node maps stack traces (--enable-source-maps) only for modules its own loader compiled, so then the bundle is required as usual. */
  readonly sourceMaps: boolean;
  readonly nodeVersion?: string;
  readonly arch?: string;
  readonly execArgv?: readonly string[];
  /** Only a file this user owns is trusted: a code cache is code. @default process.geteuid() */
  readonly uid?: number;
}

/** A cache bigger than this is not one this program made. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

/** CommonJS's parameters, the wrapper on a line of its own so the bundle's lines and columns stay as they are (lineOffset -1). */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAP_TAIL = '\n})';

type Wrapper = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;

const NOTHING_TO_SAVE = (): undefined => undefined;

export function loadProgram(options: LoadProgramOptions): LoadedProgram {
  const { file, cacheDir } = options;
  const require = createRequire(file);
  if (options.sourceMaps) return { exports: require(file) as unknown, codeCache: { state: 'off', why: 'source maps are on (--enable-source-maps)' }, saveCodeCache: NOTHING_TO_SAVE };
  if (cacheDir === undefined) return { exports: require(file) as unknown, codeCache: { state: 'off', why: 'no cache directory (VIGIL_AGENT_CACHE_DIR, or systemd CacheDirectory=)' }, saveCodeCache: NOTHING_TO_SAVE };

  const bytes = readFileSync(file);
  const key = codeCacheKey({ source: bytes, nodeVersion: options.nodeVersion ?? process.version, arch: options.arch ?? process.arch, execArgv: options.execArgv ?? process.execArgv });
  const cacheFile = join(cacheDir, codeCacheFileName(key));
  const found = readTrusted(cacheFile, key, options.uid ?? process.geteuid?.());
  const cachedData = found.type === 'payload' ? found.payload : undefined;
  // The bundle is ASCII (esbuild's charset: 'ascii'), so latin1 is its exact text and V8 keeps one byte per character.
  let script: Script | undefined = new Script(`${WRAP_HEAD}${bytes.toString('latin1')}${WRAP_TAIL}`, { filename: file, lineOffset: -1, cachedData });
  let codeCache: CodeCacheState;
  if (found.type === 'payload') {
    codeCache = script.cachedDataRejected === true ? { state: 'rejected', file: cacheFile, reason: 'V8 refused it' } : { state: 'accepted', file: cacheFile, bytes: found.payload.length };
  } else {
    codeCache = found.type === 'absent' ? { state: 'absent', file: cacheFile } : { state: 'rejected', file: cacheFile, reason: found.reason };
  }
  const module = { exports: {} as unknown };
  (script.runInThisContext() as Wrapper)(module.exports, require, module, file, join(file, '..'));

  const saveCodeCache = (): CodeCacheSave | undefined => {
    if (script === undefined || codeCache.state === 'accepted') return undefined;
    const made = script;
    script = undefined;
    let data: Buffer;
    try {
      data = encodeCodeCache(key, made.createCachedData());
    } catch (err) {
      return { state: 'failed', file: cacheFile, reason: `cannot serialise: ${describe(err)}` };
    }
    return writeCache(cacheDir, cacheFile, data);
  };
  return { exports: module.exports, codeCache, saveCodeCache };
}

type Found = { readonly type: 'payload'; readonly payload: Buffer } | { readonly type: 'absent' } | { readonly type: 'bad'; readonly reason: string };

function readTrusted(path: string, key: Buffer, uid: number | undefined): Found {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { type: 'absent' };
    return { type: 'bad', reason: `cannot open: ${describe(err)}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { type: 'bad', reason: 'not a regular file' };
    if (uid !== undefined && st.uid !== uid) return { type: 'bad', reason: `owned by uid ${st.uid}, not by this user (uid ${uid})` };
    if ((st.mode & 0o022) !== 0) return { type: 'bad', reason: `writable by group or others (mode 0${(st.mode & 0o777).toString(8)})` };
    if (st.size > MAX_CACHE_BYTES) return { type: 'bad', reason: `too large (${st.size} bytes)` };
    const decoded = decodeCodeCache(readFileSync(fd), key);
    return decoded.ok ? { type: 'payload', payload: decoded.payload } : { type: 'bad', reason: decoded.reason };
  } catch (err) {
    return { type: 'bad', reason: `cannot read: ${describe(err)}` };
  } finally {
    closeSync(fd);
  }
}

function writeCache(dir: string, path: string, data: Buffer): CodeCacheSave {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Written aside and renamed: a crash or a full disk mid-write leaves no half file under the real name.
    writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing was made (the directory is not one), or it is gone already.
    }
    return { state: 'failed', file: path, reason: describe(err) };
  }
  return { state: 'written', file: path, bytes: data.length, removed: removeOthers(dir, path) };
}

/**
 * A directory keeps one cache, the last one written: on a host the others were made for an
 * earlier build or Node (an upgrade), and can never be used again. (Install folders and
 * packages carry no useful file times, so age cannot tell them apart.)
 */
function removeOthers(dir: string, keep: string): string[] {
  const removed: string[] = [];
  try {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (!CODE_CACHE_FILE_PATTERN.test(name) || path === keep) continue;
      rmSync(path, { force: true });
      removed.push(path);
    }
  } catch {
    // A cache left behind costs disk space only; it is tried again at the next save.
  }
  return removed;
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code !== undefined ? `${e.code}: ${e.message}` : String(err);
}
