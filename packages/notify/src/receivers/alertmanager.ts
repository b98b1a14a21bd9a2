import { z } from 'zod';
import { durationMs } from '@vigil/shared';
import { zoneOf } from '../event.js';
import { classInWords, title, whatOf } from '../message.js';
import { post } from './http.js';
import type { CommonReceiverConfig, Notification, Receiver, ReceiverType } from './types.js';

const schema = z
  .object({
    /** Alertmanager's base URL, e.g. http://alertmanager:9093 (the path /api/v2/alerts is added). */
    url: z.url({ protocol: /^https?$/ }),
    /**
     * How long a page stays firing in Alertmanager if no resolve comes (Alertmanager
     * resolves an alert by itself at its endsAt). @default 24h
     */
    firingFor: durationMs.default(86_400_000),
    /** Extra labels on every alert, e.g. team: infra. */
    labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a Prometheus label name'), z.string()).default({}),
  })
  .strict();

type Config = z.output<typeof schema> & CommonReceiverConfig;

/** The label set of one level's alert: the same incident and level is the same alert in Alertmanager. */
export function alertLabels(n: Notification, level: number, extra: Record<string, string>, zoneLabel = 'zone'): Record<string, string> {
  const i = n.event.incident;
  const labels: Record<string, string> = { ...extra, alertname: 'VigilIncident', incident: i.incidentId, host: i.hostId, class: i.class, level: String(level) };
  if (i.service) labels['service'] = i.service;
  const zone = zoneOf(n.event, zoneLabel);
  if (zone) labels['zone'] = zone;
  return labels;
}

/**
 * Alertmanager API v2 (`POST /api/v2/alerts`). Each level paged is one alert (its label
 * set carries the level), so teams keep routing by level in Alertmanager; resolve sends
 * every paged level again with `endsAt` now. Alertmanager has no acknowledgement: an
 * acknowledge re-sends the alerts with the annotation `acknowledged: "true"`, which
 * Alertmanager's templates can show.
 */
function create(c: Config): Receiver {
  const endpoint = `${c.url.replace(/\/+$/, '')}/api/v2/alerts`;
  return {
    name: c.name,
    type: 'alertmanager',
    async send(n) {
      const i = n.event.incident;
      const now = Date.now();
      const levels = n.kind === 'trigger' ? [i.level] : n.pagedLevels.length > 0 ? n.pagedLevels : [i.level];
      const annotations: Record<string, string> = {
        summary: title('trigger', n.event),
        description: `${whatOf(n.event)}: ${classInWords(i.class)}${i.reason ? ` (${i.reason})` : ''}`,
        incident_url: i.url,
      };
      if (i.rootCause) {
        annotations['root_cause'] = `${i.rootCause.cause}${i.rootCause.diagnosis ? `: ${i.rootCause.diagnosis}` : ''}`;
        if (i.rootCause.fix) annotations['fix'] = i.rootCause.fix;
      }
      if (n.kind === 'acknowledge') annotations['acknowledged'] = 'true';
      const startsAt = i.openedAt || n.event.cloudEvent.time;
      const endsAt = new Date(n.kind === 'resolve' ? now : now + c.firingFor).toISOString();
      const alerts = levels.map((level) => ({ labels: alertLabels(n, level, c.labels), annotations, startsAt, endsAt, generatorURL: i.url || undefined }));
      await post(endpoint, JSON.stringify(alerts), {}, c.timeout);
    },
  };
}

export const alertmanagerReceiver: ReceiverType<typeof schema> = {
  type: 'alertmanager',
  description: 'Alertmanager API v2: one alert per incident and level; resolve sets endsAt',
  schema,
  create,
};
