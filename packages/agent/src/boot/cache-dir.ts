/**
 * Where the agent keeps its code cache: VIGIL_AGENT_CACHE_DIR when set (set and empty:
 * no cache), else the first directory systemd's CacheDirectory= gave the unit
 * (CACHE_DIRECTORY, colon-separated when the unit names several), else none.
 */
export function cacheDirFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const own = env.VIGIL_AGENT_CACHE_DIR;
  if (own !== undefined) return own === '' ? undefined : own;
  const systemd = env.CACHE_DIRECTORY?.split(':')[0];
  return systemd === undefined || systemd === '' ? undefined : systemd;
}
