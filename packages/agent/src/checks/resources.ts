import { hostTotalMemory } from '../host-memory.js';
import { readProcStat, readProcStatm, readSysconf, readUptimeSeconds, PROC_ROOT, type Sysconf } from '../services/procfs-read.js';
import { isGone } from '../services/procfs.js';
import { z } from 'zod';
import type { CheckContext, CheckResult, HealthCheck } from './check.js';
import { checkCommon, defineCheckKind } from './kind.js';
import { computeUsage, type PrevSamples, type ProcSample } from './usage.js';

export interface ResourcesCheckDeps {
  /** @default /proc */
  procRoot?: string;
  /** @default getconf PAGESIZE / CLK_TCK, asked once */
  sysconf?: () => Promise<Sysconf>;
  /** @default the host's total memory, read at most once a minute (host-memory.ts) */
  totalMemBytes?: () => number;
  /** @default Date.now */
  now?: () => number;
}

function resourcesCheckSchema(defaultIntervalMs: number) {
  const percent = z.number().gt(0).max(100_000);
  return z
    .object({
      type: z.literal('resources'),
      /** CPU of the service's own processes, in % of one core as `top` shows it. @default 90 */
      cpuPercent: percent.default(90),
      /** Resident memory of the service's own processes, in % of the host's memory. @default 90 */
      memoryPercent: percent.default(90),
      ...checkCommon(defaultIntervalMs),
    })
    .strict();
}

export type ResourcesCheckSpec = z.output<ReturnType<typeof resourcesCheckSchema>>;

/**
 * The runbook's resource_usage check (`top -bn1 | grep {process}`), but over the service's
 * OWN processes (its pids), never a name match: pass = CPU and memory under their limits.
 */
export class ResourcesCheck implements HealthCheck {
  readonly type = 'resources' as const;
  private prev: PrevSamples = new Map();
  private readonly procRoot: string;
  private readonly sysconf: () => Promise<Sysconf>;
  private readonly totalMemBytes: () => number;
  private readonly now: () => number;

  constructor(
    readonly name: string,
    private readonly spec: Pick<ResourcesCheckSpec, 'cpuPercent' | 'memoryPercent'>,
    deps: ResourcesCheckDeps = {},
  ) {
    this.procRoot = deps.procRoot ?? PROC_ROOT;
    this.sysconf = deps.sysconf ?? readSysconf;
    this.totalMemBytes = deps.totalMemBytes ?? hostTotalMemory;
    this.now = deps.now ?? Date.now;
  }

  async run(ctx: CheckContext): Promise<CheckResult> {
    const started = performance.now();
    const pids = await ctx.pids();
    const samples: ProcSample[] = [];
    for (const pid of pids) {
      const [stat, statm] = await Promise.all([readProcStat(pid, this.procRoot), readProcStatm(pid, this.procRoot)]);
      // Gone between listing and reading: it uses nothing any more.
      if (!stat || !statm || isGone(stat)) continue;
      samples.push({ pid, starttime: stat.starttime, ticks: stat.utime + stat.stime, residentPages: statm.residentPages });
    }
    const durationMs = () => Math.round(performance.now() - started);
    if (samples.length === 0) return { ok: false, detail: 'no running processes to measure', durationMs: durationMs() };
    const { pageSize, clkTck } = await this.sysconf();
    const usage = computeUsage({
      samples,
      prev: this.prev,
      nowMs: this.now(),
      uptimeSec: await readUptimeSeconds(this.procRoot),
      clkTck,
      pageSize,
      totalMemBytes: this.totalMemBytes(),
    });
    this.prev = usage.next;
    const { cpuPercent: cpuMax, memoryPercent: memMax } = this.spec;
    const over = [usage.cpuPercent >= cpuMax && `cpu ${usage.cpuPercent}% >= ${cpuMax}%`, usage.memoryPercent >= memMax && `memory ${usage.memoryPercent}% >= ${memMax}%`].filter(Boolean);
    const mib = (usage.rssBytes / 1048576).toFixed(1);
    const summary = `cpu ${usage.cpuPercent}%, memory ${usage.memoryPercent}% (${mib} MiB) over ${samples.length} process${samples.length === 1 ? '' : 'es'}`;
    return over.length > 0 ? { ok: false, detail: `${over.join(', ')}; ${summary}`, durationMs: durationMs() } : { ok: true, detail: summary, durationMs: durationMs() };
  }
}

export const resourcesCheckKind = defineCheckKind({
  type: 'resources',
  schema: resourcesCheckSchema,
  defaultName: () => 'resources',
  create: (name, spec, deps: ResourcesCheckDeps | undefined) => new ResourcesCheck(name, spec, deps),
  // A start-up CPU spike is normal, not a failed start.
  servesTraffic: false,
});
