// The labelled suite: per family, failing series (positives, each with the time its fault
// starts) and healthy-but-noisy ones (negatives). Built from a fixed seed, so every run
// scores the same series. Positives are cut off shortly after they fail (the service or
// host is down then); negatives run the whole family duration.
//
// The suite is fixed; the rules are tuned against it, never the other way round.
const H = 3_600_000;
const MIN = 60_000;

/**
 * @typedef {{ id: string, label: 'positive' | 'negative', kind: string, service: string, instance: string,
 *   onsetMs: number | null, sample: (atMs: number) => number, eligible: string[] }} Scenario
 * @typedef {{ name: string, metric: string, rules: string[], durationMs: number, stepMs: number,
 *   failure: (v: number) => boolean, scenarios: Scenario[] }} Family
 */

/** @returns {Family[]} */
export function buildSuite(s, startMs, seed = 20240611) {
  return [responseFamily(s, startMs, seed + 1), memoryFamily(s, startMs, seed + 2), errorFamily(s, startMs, seed + 3), diskFamily(s, startMs, seed + 4, 'disk'), diskFamily(s, startMs, seed + 5, 'inode')];
}

function families(s, seed) {
  return new s.Rng(seed);
}

// Response time: failure at 5 s (runbook section 4). Positives degrade by more than 20 %/h.
function responseFamily(s, startMs, seed) {
  const rng = families(s, seed);
  const rule = 'gradual_performance_degradation';
  const scenarios = [];
  for (let i = 0; i < 60; i++) {
    const base = rng.logUniform(80, 1500);
    const onsetH = rng.uniform(2.5, 4);
    const relSd = rng.uniform(0.05, 0.25);
    let shape;
    let kind;
    if (i % 2 === 0) {
      // Linear: from base to 5 s in 3-10 h, never slower than +25 % of base per hour.
      const maxT = (5000 - base) / (0.25 * base);
      const t = Math.min(rng.uniform(3, 10), maxT);
      shape = s.sum(s.flat(base), s.ramp((5000 - base) / t, onsetH));
      kind = 'linear degradation';
    } else {
      // Compound: +25 % to +170 % per hour.
      shape = s.sum(s.flat(base), s.growth(base, rng.uniform(0.22, 1.0), onsetH));
      kind = 'compound degradation';
    }
    if (rng.next() < 0.3) shape = s.sum(shape, s.pulse(rng.uniform(0.5, 2), rng.uniform(2, 10), base * rng.uniform(2, 5)));
    scenarios.push(scenario(`resp-p${i}`, 'positive', kind, 'api', 'health', onsetH, startMs, s.sampler(shape, startMs, own(rng), { relativeSd: relSd, min: 1 }), [rule]));
  }
  const negKinds = ['flat noise', 'diurnal', 'spikes', 'step then flat', 'periodic bumps', 'slow drift'];
  for (let i = 0; i < 60; i++) {
    const kind = negKinds[i % negKinds.length];
    const base = rng.logUniform(80, 1500);
    const relSd = rng.uniform(0.05, 0.3);
    let shape = s.flat(base);
    if (kind === 'diurnal') shape = s.sum(shape, s.diurnal(base * rng.uniform(0.1, 0.3), 24, rng.uniform(0, 24)));
    if (kind === 'spikes') for (let k = rng.int(1, 3); k > 0; k--) shape = s.sum(shape, s.pulse(rng.uniform(1, 13), rng.uniform(2, 15), base * rng.uniform(1, 4)));
    if (kind === 'step then flat') shape = s.sum(shape, s.step(rng.uniform(2, 11), base * rng.uniform(0.3, 1)));
    if (kind === 'periodic bumps') {
      const period = rng.uniform(15, 60);
      const bump = base * rng.uniform(0.5, 2);
      const width = rng.uniform(2, 5);
      const p = shape;
      shape = (h) => p(h) + ((h * 60) % period < width ? bump : 0);
    }
    if (kind === 'slow drift') shape = s.sum(shape, s.ramp(base * rng.uniform(0.02, 0.08), 0));
    scenarios.push(scenario(`resp-n${i}`, 'negative', kind, 'api', 'health', null, startMs, s.sampler(shape, startMs, own(rng), { relativeSd: relSd, min: 1 }), [rule]));
  }
  return { name: 'response time', metric: 'response_time_ms', rules: [rule], durationMs: 14 * H, stepMs: 10_000, failure: (v) => v >= 5000, scenarios };
}

// Memory, % of total: failure at 100 %. Fast leaks (> 5 %/h) are positives for both rules;
// slow leaks on nearly full hosts only for memory_exhaustion (they are below the runbook's
// 5 %/h, so resource_trend_analysis rightly stays quiet on them and they are not scored for it).
function memoryFamily(s, startMs, seed) {
  const rng = families(s, seed);
  const both = ['resource_trend_analysis', 'memory_exhaustion'];
  const scenarios = [];
  for (let i = 0; i < 80; i++) {
    const slow = i >= 60;
    const rate = slow ? rng.logUniform(1.5, 4.5) : rng.logUniform(5.5, 20);
    // Slow leaks start high enough to fail within the run: 5-12 h after they start.
    const level = slow ? 100 - rate * rng.uniform(5, 12) : rng.uniform(25, 65);
    const onsetH = rng.uniform(2, 3);
    let shape = s.sum(s.flat(level), s.ramp(rate, onsetH));
    const gc = rng.next() < 0.5;
    // The teeth stay below 90 % at the start: a host already touching 100 % is failing, not about to.
    if (gc) shape = s.sum(shape, s.sawtooth(Math.min(rng.uniform(5, 20), 90 - level), rng.uniform(2, 20), rng.uniform(0, 20)));
    const service = rng.next() < 0.5 ? 'java-app' : '';
    scenarios.push(
      scenario(`mem-p${i}`, 'positive', `${slow ? 'slow' : 'fast'} leak${gc ? ' with GC sawtooth' : ''}`, service, '', onsetH, startMs, s.sampler(shape, startMs, own(rng), { sd: rng.uniform(0.2, 1), min: 0, max: 100 }), slow ? ['memory_exhaustion'] : both),
    );
  }
  const negKinds = ['flat noise', 'GC sawtooth', 'diurnal', 'one-off spike', 'step then flat', 'long GC sawtooth'];
  for (let i = 0; i < 60; i++) {
    const kind = negKinds[i % negKinds.length];
    const level = rng.uniform(20, 60);
    let shape = s.flat(level);
    if (kind === 'GC sawtooth') shape = s.sum(shape, s.sawtooth(rng.uniform(10, 30), rng.uniform(2, 25), rng.uniform(0, 25)));
    if (kind === 'long GC sawtooth') shape = s.sum(shape, s.sawtooth(rng.uniform(10, 25), rng.uniform(25, 45), rng.uniform(0, 45)));
    if (kind === 'diurnal') shape = s.sum(shape, s.diurnal(rng.uniform(5, 15), 24, rng.uniform(0, 24)));
    if (kind === 'one-off spike') shape = s.sum(shape, s.pulse(rng.uniform(2, 14), rng.uniform(5, 20), rng.uniform(10, 30)));
    if (kind === 'step then flat') shape = s.sum(shape, s.step(rng.uniform(2, 14), rng.uniform(10, 25)));
    const service = rng.next() < 0.5 ? 'java-app' : '';
    scenarios.push(scenario(`mem-n${i}`, 'negative', kind, service, '', null, startMs, s.sampler(shape, startMs, own(rng), { sd: rng.uniform(0.2, 1), min: 0, max: 100 }), both));
  }
  return { name: 'memory', metric: 'memory_percent', rules: both, durationMs: 16 * H, stepMs: 10_000, failure: (v) => v >= 100, scenarios };
}

// Error rate from an access log, errors counted among the requests of each 10 s sample:
// failure at 20 %. Positives climb from a healthy rate through 1 % to failure in 30-150 min.
function errorFamily(s, startMs, seed) {
  const rng = families(s, seed);
  const rule = 'error_rate_spike';
  const scenarios = [];
  for (let i = 0; i < 60; i++) {
    const base = rng.uniform(0.001, 0.005);
    const onsetH = rng.uniform(1.5, 3);
    const toFailMin = rng.uniform(30, 150);
    let shape;
    let kind;
    if (i % 2 === 0) {
      shape = s.sum(s.flat(base), s.ramp((0.2 - base) / (toFailMin / 60), onsetH));
      kind = 'linear ramp';
    } else {
      shape = s.sum(s.flat(base), s.growth(base, Math.log(0.2 / base) / (toFailMin / 60), onsetH));
      kind = 'compound ramp';
    }
    const requests = Math.round(rng.logUniform(100, 2000));
    scenarios.push(scenario(`err-p${i}`, 'positive', kind, 'api', '', onsetH, startMs, s.errorRateSampler(shape, startMs, own(rng), requests), [rule]));
  }
  const negKinds = ['flat noise', 'burst', 'step then flat', 'diurnal', 'low traffic', 'burst then decay'];
  for (let i = 0; i < 60; i++) {
    const kind = negKinds[i % negKinds.length];
    const base = rng.uniform(0.001, 0.008);
    let shape = s.flat(base);
    let requests = Math.round(rng.logUniform(100, 2000));
    if (kind === 'burst') shape = s.sum(shape, s.pulse(rng.uniform(1, 5), rng.uniform(1, 5), rng.uniform(0.03, 0.15)));
    if (kind === 'step then flat') shape = s.sum(shape, s.step(rng.uniform(1, 5), rng.uniform(0.01, 0.04)));
    if (kind === 'diurnal') shape = s.sum(shape, s.diurnal(base * 0.5, 24, rng.uniform(0, 24)));
    if (kind === 'low traffic') requests = rng.int(10, 40);
    if (kind === 'burst then decay') {
      const at = rng.uniform(1, 5);
      const height = rng.uniform(0.03, 0.12);
      const p = shape;
      shape = (h) => p(h) + (h >= at ? height * Math.exp(-(h - at) * 6) : 0);
    }
    scenarios.push(scenario(`err-n${i}`, 'negative', kind, 'api', '', null, startMs, s.errorRateSampler(shape, startMs, own(rng), requests), [rule]));
  }
  return { name: 'error rate', metric: 'error_rate', rules: [rule], durationMs: 6 * H, stepMs: 10_000, failure: (v) => v >= 0.2, scenarios };
}

// Disk or inode use, % of the filesystem: failure at 100 %. Fills reach it 8-40 h after
// they start; healthy disks grow slowly, rotate logs daily, take temporary files and steps.
function diskFamily(s, startMs, seed, what) {
  const rng = families(s, seed);
  const rule = what === 'disk' ? 'disk_exhaustion' : 'inode_exhaustion';
  const scenarios = [];
  for (let i = 0; i < 60; i++) {
    const level = what === 'disk' ? rng.uniform(20, 80) : rng.uniform(5, 75);
    const onsetH = rng.uniform(6, 8);
    const ttfH = rng.uniform(8, 40);
    const rate = (100 - level) / ttfH;
    let shape;
    let kind;
    if (i % 3 === 2) {
      // Bursty: a batch of writes every 20-60 min, the same average rate.
      const period = rng.uniform(20, 60) / 60;
      shape = (h) => level + (h < onsetH ? 0 : rate * period * Math.floor((h - onsetH) / period));
      kind = 'bursty fill';
    } else {
      shape = s.sum(s.flat(level), s.ramp(rate, onsetH));
      kind = 'steady fill';
    }
    scenarios.push(scenario(`${what}-p${i}`, 'positive', kind, '', '/data', onsetH, startMs, s.sampler(shape, startMs, own(rng), { sd: rng.uniform(0.005, 0.1), min: 0, max: 100 }), [rule]));
  }
  const negKinds = ['flat noise', 'slow growth', 'daily rotation', 'temporary files', 'step then flat'];
  for (let i = 0; i < 60; i++) {
    const kind = negKinds[i % negKinds.length];
    const level = what === 'disk' ? rng.uniform(20, 85) : rng.uniform(5, 80);
    let shape = s.flat(level);
    if (kind === 'slow growth') shape = s.sum(shape, s.ramp((100 - level) / rng.uniform(150, 1000), 0));
    if (kind === 'daily rotation') {
      // Logs grow through the day and are rotated at a fixed hour.
      const grow = rng.uniform(1, 5);
      const phase = rng.uniform(0, 24);
      shape = s.sum(shape, (h) => grow * (((h + phase) % 24) / 24));
    }
    if (kind === 'temporary files') for (let k = rng.int(1, 4); k > 0; k--) shape = s.sum(shape, s.pulse(rng.uniform(1, 46), rng.uniform(10, 60), rng.uniform(3, 12)));
    if (kind === 'step then flat') shape = s.sum(shape, s.step(rng.uniform(2, 44), rng.uniform(3, 12)));
    scenarios.push(scenario(`${what}-n${i}`, 'negative', kind, '', '/data', null, startMs, s.sampler(shape, startMs, own(rng), { sd: rng.uniform(0.005, 0.1), min: 0, max: 100 }), [rule]));
  }
  return { name: what === 'disk' ? 'disk' : 'inodes', metric: what === 'disk' ? 'disk_percent' : 'inode_percent', rules: [rule], durationMs: 48 * H, stepMs: 30_000, failure: (v) => v >= 100, scenarios };
}

/** Each series draws its noise from its own generator: it is the same whatever runs beside it. */
function own(rng) {
  return new rng.constructor(rng.int(1, 2 ** 31 - 1));
}

function scenario(id, label, kind, service, instance, onsetH, startMs, sample, eligible) {
  return { id, label, kind, service, instance, onsetMs: onsetH === null ? null : startMs + onsetH * H, sample, eligible };
}

export { H, MIN };
