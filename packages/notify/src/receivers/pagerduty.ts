import { z } from 'zod';
import { title, whatOf } from '../message.js';
import { post } from './http.js';
import type { CommonReceiverConfig, Notification, Receiver, ReceiverType } from './types.js';

const schema = z
  .object({
    /** The Events API v2 endpoint; Opsgenie and other Events-v2 receivers give their own. @default https://events.pagerduty.com/v2/enqueue */
    url: z.url({ protocol: /^https?$/ }).default('https://events.pagerduty.com/v2/enqueue'),
    /** The integration key of the PagerDuty service (32 characters). */
    routingKey: z.string().min(1),
  })
  .strict();

type Config = z.output<typeof schema> & CommonReceiverConfig;

/** Events v2 severities: level 3 wakes people, level 1 is informational work in progress. */
export const SEVERITY_BY_LEVEL: Record<number, 'critical' | 'error' | 'warning' | 'info'> = { 1: 'warning', 2: 'error', 3: 'critical' };

/**
 * The Events API v2 body. `dedup_key` is the incident id: a level 3 trigger updates the
 * alert of level 2, and acknowledge/resolve find it, in PagerDuty as in any Events-v2
 * receiver. Acknowledge and resolve carry only the key, as the API documents.
 */
export function pagerDutyBody(n: Notification, routingKey: string): Record<string, unknown> {
  const i = n.event.incident;
  const action = n.kind;
  if (action !== 'trigger') return { routing_key: routingKey, event_action: action, dedup_key: i.incidentId };
  const links = i.url ? [{ href: i.url, text: 'Incident in Vigil' }] : [];
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: i.incidentId,
    payload: {
      summary: title('trigger', n.event).slice(0, 1024),
      source: whatOf(n.event),
      severity: SEVERITY_BY_LEVEL[i.level] ?? 'error',
      timestamp: n.event.cloudEvent.time,
      component: i.service ?? undefined,
      group: n.event.labels['zone'] ?? undefined,
      class: i.class,
      custom_details: {
        level: i.level,
        reason: i.reason,
        root_cause: i.rootCause?.cause,
        diagnosis: i.rootCause?.diagnosis,
        fix: i.rootCause?.fix,
        labels: n.event.labels,
        routed_by: n.routePath,
      },
    },
    client: 'Vigil',
    client_url: i.url || undefined,
    links,
  };
}

function create(c: Config): Receiver {
  return {
    name: c.name,
    type: 'pagerduty',
    async send(n) {
      await post(c.url, JSON.stringify(pagerDutyBody(n, c.routingKey)), {}, c.timeout);
    },
  };
}

export const pagerDutyReceiver: ReceiverType<typeof schema> = {
  type: 'pagerduty',
  description: 'PagerDuty Events API v2 (trigger/acknowledge/resolve, dedup_key = incident id); Opsgenie and other Events-v2 endpoints too',
  schema,
  create,
};
