import { createHash } from 'node:crypto';

/**
 * The on-disk form of the agent's V8 code cache:
 *
 *   8 bytes   magic "VIGILCC1"
 *   32 bytes  key: what the cache was made for (see codeCacheKey)
 *   32 bytes  SHA-256 of the payload
 *   rest      the payload, V8's cached data as vm.Script#createCachedData() returned it
 *
 * V8 checks its own version and flags, but knows the program's source only by its length,
 * and checks its payload's checksum only in debug builds. So the key names the exact
 * source, and the hash catches a damaged file, before V8 is handed either: a cache made
 * for another build of the same length would run that build's code.
 */
const MAGIC = Buffer.from('VIGILCC1', 'latin1');
const HASH_BYTES = 32;
const HEADER_BYTES = MAGIC.length + 2 * HASH_BYTES;

export interface CodeCacheKeyParts {
  /** The program's source file, byte for byte. */
  readonly source: Buffer;
  /** process.version: V8's cache is only good for the V8 that made it. */
  readonly nodeVersion: string;
  readonly arch: string;
  /** process.execArgv: V8 rejects a cache made under other flags; the key keeps them apart on disk. */
  readonly execArgv: readonly string[];
}

/** SHA-256 over everything a cache depends on. */
export function codeCacheKey(parts: CodeCacheKeyParts): Buffer {
  const h = createHash('sha256');
  h.update(createHash('sha256').update(parts.source).digest());
  h.update(`\0${parts.nodeVersion}\0${parts.arch}\0${parts.execArgv.join('\0')}`);
  return h.digest();
}

/** The file name for a key, so builds, Node versions and flag sets sharing a directory never overwrite each other. */
export function codeCacheFileName(key: Buffer): string {
  return `vigil-agent-${key.subarray(0, 8).toString('hex')}.codecache`;
}

/** Files in a cache directory that are code caches of this program (of any key). */
export const CODE_CACHE_FILE_PATTERN = /^vigil-agent-[0-9a-f]{16}\.codecache$/;

export function encodeCodeCache(key: Buffer, payload: Buffer): Buffer {
  return Buffer.concat([MAGIC, key, createHash('sha256').update(payload).digest(), payload]);
}

export type DecodedCodeCache = { readonly ok: true; readonly payload: Buffer } | { readonly ok: false; readonly reason: string };

export function decodeCodeCache(file: Buffer, key: Buffer): DecodedCodeCache {
  if (file.length <= HEADER_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC)) return { ok: false, reason: 'not a code cache file (bad magic or too short)' };
  if (!file.subarray(MAGIC.length, MAGIC.length + HASH_BYTES).equals(key)) return { ok: false, reason: 'made for another build, Node version or flag set' };
  const payload = file.subarray(HEADER_BYTES);
  const hash = file.subarray(MAGIC.length + HASH_BYTES, HEADER_BYTES);
  if (!createHash('sha256').update(payload).digest().equals(hash)) return { ok: false, reason: 'damaged (payload hash mismatch)' };
  return { ok: true, payload };
}
