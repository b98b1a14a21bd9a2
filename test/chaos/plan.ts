import { Prng, freshSeed } from './prng.js';

/**
 * The fault plan of a chaos run: which process is killed with SIGKILL, when (from the
 * start of the loop), and how long it stays down before it is started again on the same
 * data dir. Made up front from the seed alone, so a seed names one plan exactly; only the
 * timing of the real processes differs between two runs of it.
 */
export type Fault =
  | { kind: 'coordinator'; atMs: number; downMs: number }
  | { kind: 'nats'; atMs: number; downMs: number }
  | { kind: 'agent'; atMs: number; downMs: number; host: string }
  /** The watched service's main process; its agent restarts it (no restart by the test). */
  | { kind: 'service'; atMs: number; host: string };

export type FaultKind = Fault['kind'];

export interface PlanOptions {
  seed: number;
  hosts: readonly string[];
  /** Number of faults; ignored when `durationMs` is given. */
  rounds: number;
  /** Keep planning faults until this much time is covered. */
  durationMs?: number;
}

/** How often each kind is drawn: services fail most, the coordinator least. */
const WEIGHTS: Record<FaultKind, number> = { service: 35, agent: 30, nats: 20, coordinator: 15 };
/** Wait before each fault (ms). Short enough that faults overlap with earlier downtimes. */
const GAP_MS: [number, number] = [400, 2500];
/** Downtime of a killed process before it is started again (ms). */
const DOWN_MS: Record<Exclude<FaultKind, 'service'>, [number, number]> = {
  coordinator: [0, 2500],
  nats: [0, 4000],
  agent: [0, 4000],
};

export function makePlan(opts: PlanOptions): Fault[] {
  if (opts.hosts.length === 0) throw new Error('a chaos plan needs at least one host');
  const rng = new Prng(opts.seed);
  const plan: Fault[] = [];
  let atMs = 0;
  const more = () => (opts.durationMs !== undefined ? atMs < opts.durationMs : plan.length < opts.rounds);
  // Every kind comes once first, in a seeded order, so even a short run has them all.
  const first: FaultKind[] = ['coordinator', 'nats', 'agent', 'service'];
  for (let i = first.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [first[i], first[j]] = [first[j]!, first[i]!];
  }
  while (more()) {
    atMs += rng.int(...GAP_MS);
    const kind = first.shift() ?? rng.weighted(WEIGHTS);
    switch (kind) {
      case 'service':
        plan.push({ kind, atMs, host: rng.pick(opts.hosts) });
        break;
      case 'agent':
        plan.push({ kind, atMs, host: rng.pick(opts.hosts), downMs: rng.int(...DOWN_MS.agent) });
        break;
      case 'coordinator':
      case 'nats':
        plan.push({ kind, atMs, downMs: rng.int(...DOWN_MS[kind]) });
        break;
    }
  }
  return plan;
}

export function countKinds(faults: readonly { kind: FaultKind }[]): Record<FaultKind, number> {
  const n: Record<FaultKind, number> = { coordinator: 0, nats: 0, agent: 0, service: 0 };
  for (const f of faults) n[f.kind]++;
  return n;
}

export interface ChaosSettings {
  seed: number;
  /** True when the seed came from VIGIL_CHAOS_SEED (a replay). */
  seedGiven: boolean;
  rounds: number;
  durationMs: number | undefined;
}

/** The short run kept in CI. */
export const DEFAULT_ROUNDS = 20;

/**
 * Settings from the environment: `VIGIL_CHAOS_SEED` (0..4294967295, else a fresh one),
 * `VIGIL_CHAOS_ROUNDS` (faults) or `VIGIL_CHAOS_DURATION` (`90s`, `10m`: the plan covers
 * that long instead). A bad value is an error naming the variable and the value.
 */
export function chaosSettings(env: Record<string, string | undefined>): ChaosSettings {
  const seedText = env.VIGIL_CHAOS_SEED?.trim();
  let seed = freshSeed();
  if (seedText) {
    seed = Number(seedText);
    if (!/^\d+$/.test(seedText) || seed > 0xffff_ffff) throw new Error(`VIGIL_CHAOS_SEED: "${seedText}" is not an integer in 0..4294967295`);
  }
  const roundsText = env.VIGIL_CHAOS_ROUNDS?.trim();
  let rounds = DEFAULT_ROUNDS;
  if (roundsText) {
    rounds = Number(roundsText);
    if (!/^\d+$/.test(roundsText) || rounds < 1 || rounds > 100_000) throw new Error(`VIGIL_CHAOS_ROUNDS: "${roundsText}" is not an integer in 1..100000`);
  }
  const durationText = env.VIGIL_CHAOS_DURATION?.trim();
  let durationMs: number | undefined;
  if (durationText) {
    const m = /^(\d+)(ms|s|m|h)$/.exec(durationText);
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
    durationMs = m ? Number(m[1]) * unit[m[2] as keyof typeof unit] : NaN;
    if (!(durationMs >= 1000 && durationMs <= 24 * 3_600_000)) throw new Error(`VIGIL_CHAOS_DURATION: "${durationText}" is not a duration between 1s and 24h (write 90s, 10m, 1h)`);
  }
  return { seed, seedGiven: Boolean(seedText), rounds, durationMs };
}
