import { z } from 'zod';
import { hostIdProblem, normalizeHostId } from '../hostid.js';

/**
 * What the coordinator accepts from an agent, checked after protobuf decoding: protobuf
 * only guarantees types, not that a host id is a hostname or that a number is sane.
 */
const boundedString = (max: number) => z.string().max(max);
// zod's number already refuses NaN and ±Infinity; built-in checks, not refinements, keep
// the heartbeat's thirty-odd numbers on zod's fast path (the coordinator parses thousands
// of heartbeats a second).
const finite = z.number({ error: 'must be a finite number' });
const nonNeg = finite.min(0, 'must not be negative');

/** An event journal's epoch as the agent makes it (a random id), or '' for none. */
export const EVENT_EPOCH_PATTERN = /^[A-Za-z0-9_-]{0,64}$/;

export const helloSchema = z.object({
  hostId: z.string().transform((v, ctx) => {
    const problem = hostIdProblem(v);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `host id ${problem}` });
      return z.NEVER;
    }
    return normalizeHostId(v);
  }),
  agentVersion: boundedString(64),
  hostname: boundedString(253),
  os: z
    .object({ platform: boundedString(64), distro: boundedString(128), release: boundedString(64), kernel: boundedString(128), arch: boundedString(32) })
    .nullable(),
  services: z
    .array(
      z.object({
        name: boundedString(128).min(1),
        manager: boundedString(32),
        recoveryEnabled: z.boolean(),
        /** TCP ports the service serves to other hosts; absent from agents older than the field. */
        ports: z.array(z.number().int().min(1, 'must be a TCP port (1-65535)').max(65_535, 'must be a TCP port (1-65535)')).max(16, 'at most 16 ports per service').optional(),
      }),
    )
    .max(256),
  capabilities: z.array(boundedString(64)).max(64),
  intervalMs: z.number().int().min(100, 'must be at least 100 ms').max(3_600_000, 'must be at most 1 h'),
  labels: z.record(boundedString(64), boundedString(256)).refine((r) => Object.keys(r).length <= 64, 'at most 64 labels'),
  startedAtMs: nonNeg,
  /** The agent's `sshPort`: absent = the coordinator's fleet default, 0 = no SSH to judge. */
  sshPort: z.number().int().min(0).max(65_535, 'must be a TCP port (1-65535), or 0 for none').optional(),
  /** The agent's event journal identity; '' or absent from agents older than the field: the epoch ''. */
  eventEpoch: z.string().max(64).regex(EVENT_EPOCH_PATTERN, 'must be letters, digits, "-" or "_" (at most 64)').optional(),
  /** The liveness period the agent asks for; 0 or absent (older agents): none, heartbeats alone. */
  livenessIntervalMs: z.number().int().min(0).max(3_600_000, 'must be at most 1 h').optional(),
  /** The agent process's stream attempt, from 1; 0 or absent (older agents): not known. */
  attempt: z.number().int().min(0).optional(),
});

export type ValidHello = z.output<typeof helloSchema>;

const cpu = z.object({ usagePercent: nonNeg, load1: nonNeg, load5: nonNeg, load15: nonNeg, cores: nonNeg });
const memory = z.object({ totalBytes: nonNeg, usedBytes: nonNeg, availableBytes: nonNeg, swapTotalBytes: nonNeg, swapUsedBytes: nonNeg });
const filesystem = z.object({
  mount: boundedString(4096),
  device: boundedString(4096),
  fsType: boundedString(64),
  sizeBytes: nonNeg,
  usedBytes: nonNeg,
  availableBytes: nonNeg,
  inodesTotal: nonNeg,
  inodesUsed: nonNeg,
});
const netif = z.object({ name: boundedString(64), rxBytesPerSec: nonNeg, txBytesPerSec: nonNeg, rxErrors: nonNeg, txErrors: nonNeg });

export const resourceSampleSchema = z.object({
  takenAtMs: nonNeg,
  cpu: cpu.nullable(),
  memory: memory.nullable(),
  filesystems: z.array(filesystem).max(512),
  network: z.array(netif).max(512),
});

const serviceName = z.string().min(1).max(128);

export const checkStateSchema = z.object({
  name: boundedString(128),
  type: boundedString(32),
  status: z.enum(['passing', 'failing', 'pending']),
  consecutiveFailures: nonNeg,
  consecutiveSuccesses: nonNeg,
  responseMs: nonNeg,
  detail: boundedString(512),
});

/** Most PIDs one ServiceStatus lists; the agent sends the first ones of a larger group. */
export const MAX_REPORTED_PIDS = 4096;

export const serviceStatusSchema = z.object({
  name: serviceName,
  state: z.enum(['running', 'inactive', 'failed']),
  pids: z.array(z.number().int().nonnegative()).max(MAX_REPORTED_PIDS),
  checks: z.array(checkStateSchema).max(32),
  errorRate: z.object({ requests: nonNeg, errors: nonNeg, rate: nonNeg.refine((r) => r <= 1, 'must be at most 1'), windowMs: nonNeg }).nullable(),
  recovering: z.boolean(),
  budgetUsed: nonNeg,
  budgetMax: nonNeg,
  exhausted: z.boolean(),
  manager: boundedString(32),
  sinceMs: nonNeg,
  logLinesScanned: nonNeg,
  logLinesSkipped: nonNeg,
  memoryBytes: nonNeg,
  memoryPercent: nonNeg,
});
export type ValidServiceStatus = z.output<typeof serviceStatusSchema>;

export const findingMessageSchema = z.object({
  cause: z.string().min(1).max(64),
  service: serviceName,
  source: boundedString(4096),
  excerpt: z.string().refine((s) => Buffer.byteLength(s) <= 512, 'must be at most 512 bytes'),
  count: nonNeg,
  firstSeenMs: nonNeg,
  lastSeenMs: nonNeg,
  skippedLines: nonNeg,
  diagnosis: boundedString(1024),
  fix: boundedString(1024),
  prevention: boundedString(1024),
});
export type ValidLogFinding = z.output<typeof findingMessageSchema>;

export const heartbeatSchema = z.object({
  seq: z.number().int().min(1, 'sequence numbers start at 1'),
  sentAtMs: nonNeg,
  resources: resourceSampleSchema.nullable(),
  collectors: z.array(z.object({ name: boundedString(64), ok: z.boolean(), durationMs: nonNeg, error: boundedString(1024) })).max(64),
  services: z.array(serviceStatusSchema).max(256),
  findings: z.array(findingMessageSchema).max(256),
});

/** Longest text each AgentEvent field may carry; the agent cuts to these before it journals. */
export const AGENT_EVENT_LIMITS = { service: 128, type: 64, step: 64, detail: 2048, cause: 64, requestId: 128 } as const;

export const agentEventSchema = z.object({
  eventSeq: z.number().int().min(1, 'event sequence numbers start at 1'),
  atMs: nonNeg,
  service: boundedString(AGENT_EVENT_LIMITS.service),
  type: z.string().min(1).max(AGENT_EVENT_LIMITS.type),
  step: boundedString(AGENT_EVENT_LIMITS.step),
  detail: boundedString(AGENT_EVENT_LIMITS.detail),
  cause: boundedString(AGENT_EVENT_LIMITS.cause),
  requestId: boundedString(AGENT_EVENT_LIMITS.requestId),
  timeToServingMs: nonNeg.optional(),
  timeToVerifiedMs: nonNeg.optional(),
});
export type ValidAgentEvent = z.output<typeof agentEventSchema>;

export const probeResultSchema = z.object({
  requestId: z.string().min(1).max(128),
  kind: boundedString(16),
  target: boundedString(253),
  ok: z.boolean(),
  durationMs: nonNeg,
  error: boundedString(1024),
  transmitted: nonNeg,
  received: nonNeg,
  lossPercent: nonNeg,
  rttAvgMs: nonNeg,
  banner: boundedString(512),
  addresses: z.array(boundedString(64)).max(64),
  statusCode: nonNeg,
  refused: boundedString(32),
});
export type ValidProbeResult = z.output<typeof probeResultSchema>;

export const requestResultSchema = z.object({
  requestId: z.string().min(1).max(128),
  accepted: z.boolean(),
  error: boundedString(1024),
  refusal: boundedString(64).default(''),
  detail: boundedString(1024).default(''),
});
export type ValidRequestResult = z.output<typeof requestResultSchema>;

export type ValidHeartbeat = z.output<typeof heartbeatSchema>;
export type ValidResourceSample = z.output<typeof resourceSampleSchema>;

/**
 * A Liveness message's stall, or why it is refused. Checked by hand, not by a schema: it
 * arrives once a second from every agent, so it is the coordinator's most frequent message.
 */
export function livenessStallMs(raw: unknown): number | string {
  if (typeof raw !== 'object' || raw === null) return `liveness must be a message, got ${String(raw)}`;
  const v = (raw as { agentStallMs?: unknown }).agentStallMs ?? 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return `liveness.agentStallMs must be a non-negative integer, got ${String(v)}`;
  return v;
}

export const goodbyeSchema = z.object({ reason: boundedString(512) });

/** An agent whose Hello lists this answers an Echo on its stream (docs/contract.md). */
export const ECHO_CAPABILITY = 'echo';

/** An EchoReply: the nonce of the Echo it answers (the coordinator never sends 0). */
export const echoReplySchema = z.object({ nonce: z.number().int().min(1).max(0xffff_ffff) });
