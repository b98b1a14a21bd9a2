import { z } from 'zod';
import type { CloudEvent } from '@vigil/shared';

/**
 * The incident events vigil-notify acts on, as the coordinator publishes them
 * (`packages/coordinator/src/incidents/incident-events.ts`). Only the fields notify reads
 * are validated; the rest of the event is passed on untouched (the generic webhook sends
 * the CloudEvent as it came).
 */
const rootCauseSchema = z
  .object({ cause: z.string(), diagnosis: z.string().default(''), fix: z.string().default(''), excerpt: z.string().default('') })
  .passthrough()
  .nullable()
  .default(null);

export const incidentDataSchema = z
  .object({
    incidentId: z.string().min(1),
    event: z.string(),
    summary: z.string().default(''),
    class: z.string().min(1),
    level: z.number().int().min(1).max(3),
    state: z.string().default('open'),
    hostId: z.string().min(1),
    subject: z.object({ kind: z.string() }).passthrough().optional(),
    service: z.string().nullable().default(null),
    rootCause: rootCauseSchema,
    openedAt: z.string().default(''),
    reason: z.string().default(''),
    url: z.string().default(''),
    flapping: z.boolean().default(false),
  })
  .passthrough();

export type IncidentData = z.output<typeof incidentDataSchema>;

const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string(),
  type: z.string(),
  time: z.string(),
  subject: z.string().optional(),
  data: z.unknown(),
});

/** What a pager is told: a page at a level, or the incident's acknowledgement or resolution. */
export type NotifyKind = 'trigger' | 'acknowledge' | 'resolve';

export interface NotifyEvent {
  kind: NotifyKind;
  /** The CloudEvent as published, for receivers that forward it whole. */
  cloudEvent: CloudEvent<IncidentData>;
  incident: IncidentData;
  /** Host labels known for the incident's host (zone, role, ...); {} when none are known. */
  labels: Record<string, string>;
  /**
   * Its position in the stream; places it before or after the incident's resolutions
   * (see `DeliveryStore.episode`). Absent for pages made here (the dead man's switch).
   */
  streamSeq?: number;
}

/** The subject families notify reads; everything else on the stream is acknowledged and skipped. */
export function kindOfSubject(subject: string): NotifyKind | 'host' | undefined {
  if (subject.startsWith('vigil.v1.escalation.')) return 'trigger';
  if (subject.startsWith('vigil.v1.incident.acknowledged.')) return 'acknowledge';
  if (subject.startsWith('vigil.v1.incident.resolved.')) return 'resolve';
  if (subject.startsWith('vigil.v1.host.')) return 'host';
  return undefined;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses a message body; a malformed event is reported, never thrown (it is acked and logged). */
export function parseIncidentEvent(body: string): Parsed<CloudEvent<IncidentData>> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  const ce = cloudEventSchema.safeParse(json);
  if (!ce.success) return { ok: false, error: `not a CloudEvent: ${ce.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const data = incidentDataSchema.safeParse(ce.data.data);
  if (!data.success) return { ok: false, error: `not an incident event: ${data.error.issues.map((i) => `data.${i.path.join('.')}: ${i.message}`).join('; ')}` };
  return { ok: true, value: { ...(json as CloudEvent<unknown>), data: data.data } as CloudEvent<IncidentData> };
}

const hostDataSchema = z.object({ hostId: z.string().min(1), state: z.string(), labels: z.record(z.string(), z.string()).default({}) }).passthrough();

/** A host state event's host and labels, or undefined for anything else. */
export function parseHostEvent(body: string): { hostId: string; state: string; labels: Record<string, string> } | undefined {
  try {
    const ce = cloudEventSchema.safeParse(JSON.parse(body));
    if (!ce.success) return undefined;
    const d = hostDataSchema.safeParse(ce.data.data);
    return d.success ? { hostId: d.data.hostId, state: d.data.state, labels: d.data.labels } : undefined;
  } catch {
    return undefined;
  }
}

/** The zone an incident is about: a zone incident names it; otherwise the host's label. */
export function zoneOf(e: Pick<NotifyEvent, 'incident' | 'labels'>, zoneLabel = 'zone'): string | undefined {
  const s = e.incident.subject as { kind: string; zone?: unknown } | undefined;
  if (s?.kind === 'zone' && typeof s.zone === 'string') return s.zone;
  return e.labels[zoneLabel];
}
