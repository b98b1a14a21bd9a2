/**
 * Deterministic synthetic series for the rules' tests and the prediction bench: the same
 * seed always gives the same numbers, so a failing case can be replayed exactly.
 */

/** mulberry32: small, fast, and good enough for noise. */
export class Rng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Log-uniform: as many cases per doubling (slopes, rates). */
  logUniform(lo: number, hi: number): number {
    return Math.exp(this.uniform(Math.log(lo), Math.log(hi)));
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Poisson count (Knuth below 30, normal approximation above). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}

/** A noiseless signal: value at `h` hours after the series starts. */
export type Shape = (h: number) => number;

export const flat =
  (level: number): Shape =>
  () =>
    level;

/** Rises `perHour` from `fromH` until `untilH`, then holds. */
export const ramp =
  (perHour: number, fromH = 0, untilH = Infinity): Shape =>
  (h) =>
    perHour * (Math.min(Math.max(h, fromH), untilH) - fromH);

/** Compound growth of `level` at `ratePerHour` (0.3 = +35 %/h) from `fromH`: the extra over `level`. */
export const growth =
  (level: number, ratePerHour: number, fromH = 0): Shape =>
  (h) =>
    h < fromH ? 0 : level * (Math.exp(ratePerHour * (h - fromH)) - 1);

/** Climbs `amplitude` over each period and drops back: memory between garbage collections. */
export const sawtooth =
  (amplitude: number, periodMin: number, phaseMin = 0): Shape =>
  (h) => {
    const x = (h * 60 + phaseMin) / periodMin;
    return amplitude * (x - Math.floor(x));
  };

/** A sine: daily load. */
export const diurnal =
  (amplitude: number, periodH = 24, phaseH = 0): Shape =>
  (h) =>
    amplitude * Math.sin((2 * Math.PI * (h + phaseH)) / periodH);

/** `height` for `durationMin` from `atH`, else 0: a one-off spike. */
export const pulse =
  (atH: number, durationMin: number, height: number): Shape =>
  (h) =>
    h >= atH && h < atH + durationMin / 60 ? height : 0;

/** 0 before `atH`, `height` after: a step that then holds. */
export const step =
  (atH: number, height: number): Shape =>
  (h) =>
    h >= atH ? height : 0;

export const sum =
  (...shapes: Shape[]): Shape =>
  (h) => {
    let v = 0;
    for (const s of shapes) v += s(h);
    return v;
  };

export interface NoiseOptions {
  /** Standard deviation of additive Gaussian noise, in the series' unit. */
  sd?: number;
  /** Standard deviation of multiplicative log-normal noise (0.2 ≈ ±20 %): response times. */
  relativeSd?: number;
  min?: number;
  max?: number;
}

/** A sampler: the shape plus noise at a wall-clock time, the series starting at `startMs`. */
export function sampler(shape: Shape, startMs: number, rng: Rng, o: NoiseOptions = {}): (atMs: number) => number {
  return (atMs) => {
    let v = shape((atMs - startMs) / 3_600_000);
    if (o.relativeSd) v *= Math.exp(o.relativeSd * rng.normal() - (o.relativeSd * o.relativeSd) / 2);
    if (o.sd) v += o.sd * rng.normal();
    if (o.min !== undefined) v = Math.max(o.min, v);
    if (o.max !== undefined) v = Math.min(o.max, v);
    return v;
  };
}

/** An error rate as an access log reports it: errors counted among `requests` per sample. */
export function errorRateSampler(rate: Shape, startMs: number, rng: Rng, requests: number): (atMs: number) => number {
  return (atMs) => {
    const p = Math.min(1, Math.max(0, rate((atMs - startMs) / 3_600_000)));
    return Math.min(requests, rng.poisson(requests * p)) / requests;
  };
}

/** Steps a fake clock to `untilMs`, calling `observe` at every `everyMs`; timers fire on the way. */
export function simulate(clock: { now(): number; advance(ms: number): void }, untilMs: number, everyMs: number, observe: (atMs: number) => void): void {
  while (clock.now() < untilMs) {
    observe(clock.now());
    clock.advance(everyMs);
  }
}
