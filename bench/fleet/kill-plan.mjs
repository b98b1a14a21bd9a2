// Which agents die, when, and how: chosen up front from a seed, so a run can be repeated.

/** mulberry32: small, fast, good enough to pick hosts and times. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * K distinct agents out of `hostIds`, each at a uniform time in [0, spanMs) after the
 * measurement starts, or all at one such time when `atOnce` (a rack or a switch going
 * down). 'mixed' alternates destroy and freeze so both detection paths are measured in
 * every run.
 */
export function planKills(hostIds, k, spanMs, mode, seed, atOnce = false) {
  const rand = seededRandom(seed);
  const pool = [...hostIds];
  const count = Math.min(k, pool.length);
  const plan = [];
  const burstAt = Math.floor(rand() * spanMs);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
    const m = mode === 'mixed' ? (i % 2 === 0 ? 'destroy' : 'freeze') : mode;
    plan.push({ hostId: pool[i], atMs: atOnce ? burstAt : Math.floor(rand() * spanMs), mode: m });
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}
