import { z } from 'zod';
import { parseDuration } from '@vigil/shared';
import { hostPredictions } from '../predictions/schemas.js';

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
  ssh: z
    .object({
      port: z.number().int().min(1).max(65_535).nullable().describe('the port the SSH step of a diagnosis probes; null: none, the step is skipped and other evidence decides'),
      from: z.enum(['agent', 'label', 'fleet']).describe("which setting named it: the agent's sshPort (sent in Hello), the host's ssh_port label, or the coordinator's fleet default (sshPort)"),
      agentSetting: z
        .union([z.number().int().min(1).max(65_535), z.literal('none')])
        .nullable()
        .describe("the agent's own sshPort: a port, none (0 in Hello), or null when the agent leaves it to the coordinator"),
      problem: z.string().nullable().describe('set when the ssh_port label could not be read and was ignored'),
    })
    .describe("the host's SSH setting for the diagnosis"),
  services: z.array(
    z.object({
      name: z.string(),
      manager: z.string(),
      recoveryEnabled: z.boolean(),
      ports: z.array(z.number().int().min(1).max(65_535)).describe('TCP ports the service declares; the diagnosis probes them when the agent is gone'),
    }),
  ),
});

/** What a fleet view shows per host without a second request: services, open incidents, active predictions. */
export const hostFleetSummary = z.object({
  services: z.array(
    z.object({
      name: z.string(),
      manager: z.string(),
      state: z.enum(['running', 'inactive', 'failed', 'unknown']).describe('as of the latest heartbeat; unknown before the first report'),
      recovering: z.boolean(),
      exhausted: z.boolean().describe('the restart budget is spent: the agent leaves the service alone'),
      budgetUsed: z.number(),
      budgetMax: z.number(),
      since: z.string().nullable().describe('ISO time the service entered its state'),
      checks: z.array(
        z.object({
          name: z.string(),
          type: z.string(),
          status: z.enum(['passing', 'failing', 'pending']),
          consecutiveFailures: z.number(),
          responseMs: z.number(),
          detail: z.string(),
        }),
      ),
    }),
  ),
  openIncidents: z.array(z.object({ id: z.string(), class: z.string(), service: z.string().nullable(), level: z.number(), state: z.string() })).describe('open and acknowledged incidents of the host'),
  predictions: z.array(
    z.object({
      id: z.string(),
      rule: z.string(),
      service: z.string().nullable(),
      metric: z.string(),
      instance: z.string().nullable(),
      state: z.string(),
      summary: z.string(),
      predictedFailureAt: z.string().nullable(),
      confidence: z.number(),
    }),
  ).describe('active predictions of the host'),
});

export const hostListItem = hostSummary.extend({ summary: hostFleetSummary });

export const hostList = z.object({
  hosts: z.array(hostListItem),
  total: z.number().int().describe('hosts matching the filters, over every page'),
  nextCursor: z.string().optional().describe('pass as ?cursor= for the next page; absent on the last page'),
});

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
    latestSample: z.unknown().describe('the latest resource sample, null before the first'),
    sampleAt: z.string().nullable(),
    history: z.array(transitionOut),
    serviceStatus: z.array(z.unknown()).describe('watched services as of the latest heartbeat'),
    events: z.array(z.unknown()).describe('the latest agent events (service status, recovery steps), newest first'),
    findings: z.array(z.unknown()).describe('log root-cause findings'),
    incidents: z.array(z.object({ id: z.string(), class: z.string(), service: z.string().nullable(), level: z.number(), state: z.string() })),
    predictions: hostPredictions,
  }),
});

export const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** An operator action the agent refused or could not take: the error plus the request id its events carry. */
export const serviceActionError = z.object({
  error: z.object({ code: z.string(), message: z.string(), requestId: z.string().optional(), refusal: z.string().optional() }),
});

export const serviceActionOut = z.object({
  requestId: z.string().describe('the id the agent journals every event of this action under'),
  hostId: z.string(),
  service: z.string(),
  action: z.enum(['restart', 'reset_budget']),
  accepted: z.literal(true),
  detail: z.string(),
  requestedBy: z.string(),
});

export const hostRemovedOut = z.object({ removed: z.object({ id: z.string(), state: hostStateEnum, by: z.string() }) });

export const health = z.object({
  status: z.enum(['ok', 'degraded']),
  /** Why it is degraded; absent when ok. */
  reasons: z.array(z.string()).optional(),
  /** `degraded` while the store cannot write (disk full): changes are kept in memory for catch-up. */
  store: z.enum(['ok', 'degraded']),
  coordinatorId: z.string(),
  version: z.string(),
  uptimeSeconds: z.number(),
  nats: z.enum(['connected', 'disconnected', 'disabled']),
  outboxDepth: z.number(),
  connectedAgents: z.number(),
});

export const readiness = z.union([
  z.object({ ready: z.literal(true) }),
  z.object({ ready: z.literal(false), reasons: z.array(z.string()) }),
]);

export const hostIdParams = z.object({ id: z.string().min(1).max(253) });

/** One value or a repeated parameter, each possibly a comma list: `state=silent,suspect`. */
const listParam = (item: z.ZodType<string, string>) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(item).max(64));

/** Filters of `GET /v1/hosts`; all given filters must match. Unknown parameters are refused. */
export const hostQuery = z
  .object({
    state: listParam(hostStateEnum).optional().describe('one or more of online, suspect, silent, left (comma-separated or repeated)'),
    zone: z.string().min(1).max(256).optional().describe("hosts whose zone label (the coordinator's zoneLabel) has this value"),
    label: listParam(z.string().regex(/^[^=]+=.*$/, 'must be KEY=VALUE')).optional().describe('KEY=VALUE; repeated: every label must match'),
    connected: z.enum(['true', 'false']).optional().describe('whether the agent holds a stream to this coordinator now'),
    q: z.string().min(1).max(253).optional().describe('hosts whose id or hostname contains this text (case-insensitive)'),
    limit: z
      .string()
      .regex(/^\d{1,5}$/, 'must be a whole number from 1 to 5000')
      .transform(Number)
      .pipe(z.number().int().min(1, 'must be at least 1').max(5000, 'must be at most 5000'))
      .optional()
      .describe('hosts per page (default 500, at most 5000), ordered by id'),
    cursor: z.string().min(1).max(1024).optional().describe('nextCursor of the previous page'),
  })
  .strict();

/** A time in a query: epoch milliseconds or an ISO 8601 date-time with offset. */
const instant = z
  .string()
  .max(64)
  .transform((v, ctx) => {
    const ms = /^\d{1,15}$/.test(v) ? Number(v) : /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : NaN;
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO time such as 2026-12-03T08:00:00Z' });
      return z.NEVER;
    }
    return ms;
  });

/** `GET /v1/hosts/{id}/series`. Unknown parameters are refused. */
export const seriesQuery = z
  .object({
    metric: z.string().min(1).max(300).describe('memory, disk:<mount>, inodes:<mount>; with service: memory, response_time:<check>, error_rate'),
    service: z.string().min(1).max(128).optional().describe("the service whose series it is; absent: the host's own"),
    since: instant.optional().describe('start, epoch ms or ISO time; default and earliest: the series retention (6 h) ago'),
    width: z
      .string()
      .regex(/^\d{1,5}$/, 'must be a whole number from 2 to 5000')
      .transform(Number)
      .pipe(z.number().int().min(2, 'must be at least 2').max(5000, 'must be at most 5000'))
      .optional()
      .describe('most points returned (default 300): buckets are merged into this many'),
  })
  .strict();

const chartPoint = z.tuple([z.number().describe('epoch ms'), z.number()]);

export const seriesOut = z.object({
  hostId: z.string(),
  metric: z.string().describe('the series, e.g. disk:/var'),
  service: z.string().nullable(),
  unit: z.string(),
  bucketMs: z.number().int().describe('width of a stored bucket'),
  since: z.string().describe('ISO start of the window answered'),
  points: z.array(chartPoint).describe('[epoch ms, mean] oldest first, at most width of them; a gap in the data is a gap here'),
  prediction: z
    .object({
      id: z.string(),
      rule: z.string(),
      summary: z.string(),
      threshold: z.number(),
      signal: z.enum(['mean', 'floor']),
      fitted: z.array(chartPoint).describe('the fitted line from its evidence to the failure time'),
      failureAt: z.number().optional().describe('predicted failure, epoch ms'),
    })
    .optional()
    .describe('the active prediction on this series failing first, if any'),
  available: z.array(z.object({ metric: z.string(), service: z.string().nullable(), unit: z.string() })).describe("the host's series"),
});

/** `GET /v1/events`: where to resume and which subjects. Unknown parameters are refused. */
export const eventsQuery = z
  .object({
    since: z
      .string()
      .regex(/^\d{1,15}$/, 'must be an event id (a whole number)')
      .transform(Number)
      .optional()
      .describe('resume after this event id, like the Last-Event-ID header (which wins when both are given)'),
    subject: z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .pipe(z.array(z.string().min(1).max(256).regex(/^vigil\.v1\./, 'must start with vigil.v1.')).max(32))
      .optional()
      .describe('only subjects starting with this prefix, e.g. vigil.v1.incident. (repeatable)'),
  })
  .strict();

/** The `data:` of one event frame of `GET /v1/events`. */
export const eventFrameData = z.object({
  seq: z.number().int().describe('the event id, as in the frame\'s id: line'),
  subject: z.string().describe('the NATS subject the event is published on'),
  at: z.number().int().describe('when it was stored, epoch ms'),
  payload: z.unknown().describe('the event (a CloudEvent) as published on NATS'),
});

/** The `data:` of an `event: reset` frame: events were missed and the stream goes on from `oldest`. */
export const eventResetData = z.object({ reason: z.enum(['gap', 'ahead']), oldest: z.number().int() });

export const problemClassEnum = z.enum(['network_issue', 'server_hardware_issue', 'service_failure', 'partial_failure', 'agent_failure', 'observer_partition']);

export const incidentQuery = z
  .object({
    state: z.enum(['open', 'acknowledged', 'resolved']).optional(),
    host: z.string().min(1).max(253).optional(),
    class: problemClassEnum.optional(),
    level: z.coerce.number().int().min(1).max(3).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const incidentIdParams = z.object({ id: z.string().min(1).max(128) });

export const ackBody = z.object({ comment: z.string().max(2000).default('') }).strict();
export const resolveBody = z.object({ comment: z.string().min(1, 'say how it was resolved').max(2000) }).strict();
export const reopenBody = z.object({ comment: z.string().min(1, 'say why it is reopened').max(2000) }).strict();

export const timelineEntryOut = z.object({ at: z.string(), kind: z.string(), summary: z.string(), data: z.unknown() });

export const incidentSubjectOut = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('host'), hostId: z.string() }),
    z.object({ kind: z.literal('service'), hostId: z.string(), service: z.string() }),
    z.object({ kind: z.literal('zone'), zone: z.string() }),
    z.object({ kind: z.literal('observer'), coordinatorId: z.string() }),
  ])
  .describe('what the incident is about; hostId is zone:<zone> or coordinator:<id> for the last two');

export const incidentOut = z.object({
  id: z.string(),
  hostId: z.string(),
  subject: incidentSubjectOut,
  service: z.string().nullable(),
  class: problemClassEnum,
  state: z.enum(['open', 'acknowledged', 'resolved']),
  level: z.number().int().min(1).max(3),
  confidence: z.number(),
  summary: z.string(),
  rootCause: z.unknown().describe('the root cause found, null while none is'),
  openedAt: z.string(),
  updatedAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolution: z.string().nullable(),
  nextEscalationAt: z.string().nullable(),
  parentId: z.string().nullable(),
  flapping: z.boolean().describe('its condition keeps coming and going; it escalates on its timers regardless'),
  clearSince: z.string().nullable().describe('since when its condition is clear (settling); null while present'),
  silenced: z.boolean(),
});

export const incidentList = z.object({ incidents: z.array(incidentOut) });
export const incidentChanged = z.object({ incident: incidentOut });
export const incidentDetail = z.object({ incident: incidentOut.extend({ diagnosis: z.unknown(), timeline: z.array(timelineEntryOut) }) });

/**
 * The longest a silence may last, and how far from now it may start: a longer one is a
 * forgotten mute rather than maintenance, and unbounded times overflow the date range.
 */
export const MAX_SILENCE_MS = 365 * 86_400_000;

const silenceDuration = z
  .string()
  .max(32)
  .superRefine((text, ctx) => {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a duration (use a number with ms, s, m, h or d, e.g. 30m, 2h)' });
      return;
    }
    if (ms <= 0) ctx.addIssue({ code: 'custom', message: 'must be longer than 0' });
    else if (ms > MAX_SILENCE_MS) ctx.addIssue({ code: 'custom', message: 'must be at most 365d' });
  });

export const silenceBody = z
  .object({
    host: z.string().min(1).max(253).optional(),
    service: z.string().min(1).max(128).optional(),
    class: problemClassEnum.optional(),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }).optional(),
    duration: silenceDuration.optional().describe('instead of endsAt: 30m, 2h ... at most 365d'),
    comment: z.string().trim().min(1, 'a silence needs a comment saying why').max(2000),
  })
  .strict()
  .refine((b) => b.host || b.service || b.class, { message: 'name at least one of host, service, class', path: ['host'] })
  .refine((b) => (b.endsAt === undefined) !== (b.duration === undefined), { message: 'give exactly one of endsAt and duration', path: ['endsAt'] });

export const silenceOut = z.object({
  id: z.string(),
  host: z.string().nullable(),
  service: z.string().nullable(),
  class: z.string().nullable(),
  startsAt: z.string(),
  endsAt: z.string(),
  comment: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export const silenceList = z.object({ silences: z.array(silenceOut) });
export const silenceCreated = z.object({ silence: silenceOut });
