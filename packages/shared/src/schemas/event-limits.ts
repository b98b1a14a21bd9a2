import { capText } from '../probes/cap.js';
import { describeIssues } from '../validation.js';
import { agentEventSchema, AGENT_EVENT_LIMITS, type ValidAgentEvent } from './messages.js';

/**
 * `1 2 3 … and 690 more`: a list for a one-line detail, showing the first `shown` items.
 * A service with hundreds of children must not make its events longer than the contract
 * allows (see AGENT_EVENT_LIMITS).
 */
export function summariseList(items: readonly (string | number)[], shown = 10, separator = ' '): string {
  if (items.length <= shown) return items.join(separator);
  return `${items.slice(0, shown).join(separator)} … and ${items.length - shown} more`;
}

type EventText = { -readonly [K in keyof typeof AGENT_EVENT_LIMITS]: string };

/** Cuts every text field of an event to what the contract accepts, marking each cut. */
export function capAgentEventText<E extends EventText>(e: E): E {
  const out = { ...e };
  for (const k of Object.keys(AGENT_EVENT_LIMITS) as (keyof typeof AGENT_EVENT_LIMITS)[]) {
    if (typeof out[k] === 'string') (out as EventText)[k] = capText(out[k], AGENT_EVENT_LIMITS[k]);
  }
  return out;
}

export type FittedAgentEvent = { ok: true; event: ValidAgentEvent } | { ok: false; problem: string };

/**
 * An event as the coordinator will accept it, or why it cannot be: over-long text is
 * cut (a fix), anything else wrong (a sequence number that is no safe integer, a missing
 * type) is a problem the caller reports and skips, since sending it would be refused.
 */
export function fitAgentEvent(raw: unknown): FittedAgentEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, problem: 'event is not an object' };
  const capped = capAgentEventText(raw as EventText);
  const parsed = agentEventSchema.safeParse(capped);
  if (!parsed.success) return { ok: false, problem: describeIssues(parsed.error, capped, 'event').join('; ') };
  return { ok: true, event: parsed.data };
}
