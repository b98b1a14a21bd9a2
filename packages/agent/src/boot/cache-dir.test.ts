import { describe, expect, it } from 'vitest';
import { cacheDirFromEnv } from './cache-dir.js';

describe('cacheDirFromEnv', () => {
  it('VIGIL_AGENT_CACHE_DIR first; set and empty turns the cache off', () => {
    expect(cacheDirFromEnv({ VIGIL_AGENT_CACHE_DIR: '/a', CACHE_DIRECTORY: '/b' })).toBe('/a');
    expect(cacheDirFromEnv({ VIGIL_AGENT_CACHE_DIR: '', CACHE_DIRECTORY: '/b' })).toBeUndefined();
  });

  it("systemd's CacheDirectory= (the first, when the unit names several), else none", () => {
    expect(cacheDirFromEnv({ CACHE_DIRECTORY: '/var/cache/vigil-agent:/var/cache/other' })).toBe('/var/cache/vigil-agent');
    expect(cacheDirFromEnv({ CACHE_DIRECTORY: '' })).toBeUndefined();
    expect(cacheDirFromEnv({})).toBeUndefined();
  });
});
