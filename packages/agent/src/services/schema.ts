import { z } from 'zod';
import { ConfigError, deepFreeze, describeIssues, durationMs, quoteText } from '@vigil/shared';
import { count, positiveMs } from '../checks/kind.js';
import { checkName, checkSchema } from '../checks/registry.js';
import { absolutePath } from './fields.js';
import { MANAGER_KINDS, type ServiceSchemas } from './manager-kinds.js';

/*
 * Service declarations: what the agent watches and how it may recover it. Every number
 * of the runbook (sections 3 and 4) is a default here and can be changed per service.
 * Durations take a unit (`500ms`, `5s`, `1m`); a bare number other than 0 is refused.
 */

/** Service names travel to the coordinator (max 128) and into file names and logs. */
const serviceName = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@:-]*$/, 'must start with a letter or digit and hold only letters, digits and _ . @ : -');


const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
/** 1 PiB: more memory than any host has, and far below 2^53, so every size stays exact. */
const MAX_SIZE_BYTES = 1024 ** 5;
const byteSize = z.union([z.number().int().positive().max(MAX_SIZE_BYTES, 'must be at most 1 PiB'), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]i?b|b)$/i.exec(v.trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `${quoteText(v)} is not a size (use bytes, or a number with B, KB, MB, GB, KiB, MiB, GiB)` });
    return z.NEVER;
  }
  const bytes = Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
  if (!(bytes > 0 && bytes <= MAX_SIZE_BYTES)) {
    ctx.addIssue({ code: 'custom', message: `${quoteText(v)} is not a size between 1 B and 1 PiB` });
    return z.NEVER;
  }
  return bytes;
});

const recoverySchema = z
  .object({
    /** Whether the agent may act on this service; when false it only reports. @default true */
    enabled: z.boolean().default(true),
    /**
     * Restart-loop protection: at most `max` recoveries; the count returns to 0 only after
     * the service has been running and passing for a whole `window`.
     * @default { max: 3, window: '15m' }
     */
    budget: z
      .object({ max: count(1).default(3), window: positiveMs.default(15 * 60_000) })
      .strict()
      .default({ max: 3, window: 15 * 60_000 }),
    /** Step 1: how long to wait for the processes to exit after a stop (runbook: `sleep 5`). @default 5s */
    gracefulStopTimeout: durationMs.default(5_000),
    /** Step 1: how long the restarted service is watched before the step counts as a success. @default 30s */
    watchAfterRestart: durationMs.default(30_000),
    /**
     * How long a started service must stay up before a step counts it as running; catches
     * services that die during start-up. Not a runbook number. @default 1s
     */
    stableAfterStart: durationMs.default(1_000),
    /** How long a start may take to reach running (and serving, for http/tcp checks). @default 30s */
    startTimeout: positiveMs.default(30_000),
    /** Continuous monitoring after a recovery: sample period (runbook 4). @default 30s */
    monitorEvery: positiveMs.default(30_000),
    /** Continuous monitoring after a recovery: duration (runbook 4). @default 10m */
    monitorFor: positiveMs.default(10 * 60_000),
    /** Consecutive failed samples that make a recurrence (runbook 4). @default 2 */
    monitorFailures: count(1).default(2),
    /** Step 3: how far back the logs are read for error patterns (runbook 3: 5 minutes ago). @default 5m */
    logLookback: positiveMs.default(5 * 60_000),
  })
  .strict();

/** The recovery block with every default filled in. */
const recoveryDefaults = () => recoverySchema.parse({});

function common(defaultIntervalMs: number) {
  return {
    name: serviceName,
    /** One entry per check; the kinds are the CHECK_KINDS array (checks/kinds.ts). */
    checks: z.array(checkSchema(defaultIntervalMs)).max(32).default([]),
    /** Log files of the service, read by the log pattern matcher. @default [] */
    logs: z.array(absolutePath).max(64).default([]),
    /**
     * TCP ports this service serves to other hosts. Sent in Hello: when this agent falls
     * silent, the coordinator and peer agents connect to them, and one answering shows the
     * host is up (the agent is what failed). Only ports reachable from other hosts belong
     * here, not loopback-only ones. @default []
     */
    ports: z
      .array(z.number().int().min(1, 'must be a TCP port (1-65535)').max(65_535, 'must be a TCP port (1-65535)'))
      .max(16, 'at most 16 ports per service')
      .default([]),
    /** Access log, for error-rate analysis. */
    accessLog: absolutePath.optional(),
    /**
     * The memory the service may use (e.g. its cgroup's MemoryMax or a runtime's heap
     * limit), as bytes or `512MB`, `2GiB`: memory use is reported as a share of it, which
     * is what the leak prediction watches. @default the host's memory
     */
    memoryLimit: byteSize.optional(),
    recovery: recoverySchema.default(recoveryDefaults),
  };
}

/** The fields every service has, whatever its manager. */
export type ServiceCommonShape = ReturnType<typeof common>;

/**
 * Builds the schema of one service, a union over the MANAGER_KINDS array (manager-kinds.ts);
 * `defaultIntervalMs` is the agent's interval, the default of every check's `interval`.
 */
export function serviceSchema(defaultIntervalMs: number) {
  const shared = common(defaultIntervalMs);
  const variants = MANAGER_KINDS.map((k) => z.object({ manager: z.literal(k.kind), ...k.fields(), ...shared }).strict());
  return z.discriminatedUnion('manager', variants as unknown as ServiceSchemas);
}

/** Builds the schema of the `services` list: names must be unique. */
export function servicesSchema(defaultIntervalMs: number) {
  return z
    .array(serviceSchema(defaultIntervalMs))
    .max(256)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((s, i) => {
        if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'is declared twice' });
        seen.add(s.name);
        // Check names key events and snapshots, so two checks may not share one.
        const names = new Set<string>();
        s.checks.forEach((c, j) => {
          const n = checkName(c);
          if (names.has(n)) ctx.addIssue({ code: 'custom', path: [i, 'checks', j], message: `repeats the check name "${n}"; give one a distinct name` });
          names.add(n);
        });
      });
    });
}

export type ServiceSpec = z.output<ReturnType<typeof serviceSchema>>;
export type { SystemdServiceSpec } from './systemd.js';
export type { ProcessServiceSpec } from './process.js';
export type ManagerKind = ServiceSpec['manager'];
export type { CheckSpec } from '../checks/kinds.js';
export type { HttpCheckSpec } from '../checks/http.js';
export type { TcpCheckSpec } from '../checks/tcp.js';
export type { ResourcesCheckSpec } from '../checks/resources.js';
export type RecoverySettings = ServiceSpec['recovery'];

/**
 * Validates the `services` list once, where it enters, and freezes it. Problems name the
 * field and the value given, e.g. `services[0].checks[1].timeout: "5x" is not a duration`.
 * @throws ConfigError listing every problem
 */
export function parseServices(input: unknown, options: { defaultIntervalMs: number; field?: string }): readonly ServiceSpec[] {
  const result = servicesSchema(options.defaultIntervalMs).safeParse(input);
  if (!result.success) throw new ConfigError(describeIssues(result.error, input, options.field ?? 'services'));
  return deepFreeze(result.data);
}

export { checkName };
