import { z } from 'zod';

/** Response shapes of the API: the single source for validation in tests and for /openapi.json. */
export const hostStateEnum = z.enum(['online', 'suspect', 'silent', 'left']);

export const hostSummary = z.object({
  id: z.string(),
  state: hostStateEnum,
  stateSince: z.string().describe('ISO time of the last state change'),
  lastSeen: z.string().nullable().describe('ISO time of the last message from the agent'),
  connected: z.boolean(),
  hostname: z.string(),
  agentVersion: z.string(),
  intervalMs: z.number(),
  labels: z.record(z.string(), z.string()),
  services: z.array(z.object({ name: z.string(), manager: z.string(), recoveryEnabled: z.boolean() })),
});

export const hostList = z.object({ hosts: z.array(hostSummary) });

export const transitionOut = z.object({
  from: hostStateEnum.nullable(),
  to: hostStateEnum,
  reason: z.string(),
  at: z.string(),
});

export const hostDetail = z.object({
  host: hostSummary.extend({
    firstSeen: z.string(),
    lastSeq: z.number(),
    os: z.object({ platform: z.string(), distro: z.string(), release: z.string(), kernel: z.string(), arch: z.string() }).nullable(),
    capabilities: z.array(z.string()),
    phi: z.number().nullable().describe('current phi of the silence detector, null when not watched'),
    latestSample: z.unknown().nullable(),
    sampleAt: z.string().nullable(),
    history: z.array(transitionOut),
  }),
});

export const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const health = z.object({
  status: z.enum(['ok', 'degraded']),
  coordinatorId: z.string(),
  version: z.string(),
  uptimeSeconds: z.number(),
  nats: z.enum(['connected', 'disconnected', 'disabled']),
  outboxDepth: z.number(),
  connectedAgents: z.number(),
});

export const hostIdParams = z.object({ id: z.string().min(1).max(253) });
