import { PROBLEM_CLASS_TABLE, type ProblemClass } from '@vigil/shared';
import type { NotifyEvent, NotifyKind } from './event.js';

/** Level in words, as on-call people say it. */
const LEVEL_WORDS: Record<number, string> = { 1: 'level 1 (automatic recovery)', 2: 'level 2 (operations team)', 3: 'level 3 (emergency: manual intervention)' };

const KIND_WORDS: Record<NotifyKind, string> = { trigger: '', acknowledge: 'ACKNOWLEDGED: ', resolve: 'RESOLVED: ' };

export function classInWords(cls: string): string {
  return (PROBLEM_CLASS_TABLE as Record<string, { message: string } | undefined>)[cls as ProblemClass]?.message ?? cls.replaceAll('_', ' ');
}

/** What the incident is about: `web-1`, `web-1/nginx`, `zone eu-1`. */
export function whatOf(e: NotifyEvent): string {
  const i = e.incident;
  const s = i.subject as { kind?: string; zone?: string; coordinatorId?: string } | undefined;
  if (s?.kind === 'zone') return `zone ${s.zone}`;
  if (s?.kind === 'observer') return `coordinator ${s.coordinatorId} (observer partition)`;
  return i.service ? `${i.hostId}/${i.service}` : i.hostId;
}

/** One line: `[L3] web-1/nginx: service_failure: nginx.service failed`. */
export function title(kind: NotifyKind, e: NotifyEvent): string {
  const i = e.incident;
  return `${KIND_WORDS[kind]}[L${i.level}] ${whatOf(e)}: ${i.class}${i.summary ? `: ${i.summary}` : ''}`;
}

/** The body lines every text receiver (Slack, email) uses; the facts an on-call person needs first. */
export function detailLines(kind: NotifyKind, e: NotifyEvent, routePath: string): string[] {
  const i = e.incident;
  const lines = [`What: ${whatOf(e)} — ${classInWords(i.class)}`, `Level: ${LEVEL_WORDS[i.level] ?? i.level}`];
  if (kind === 'acknowledge') lines.push('Someone acknowledged the incident; escalation has stopped.');
  if (kind === 'resolve') lines.push('The incident is resolved.');
  if (i.rootCause) {
    lines.push(`Root cause: ${i.rootCause.cause}${i.rootCause.diagnosis ? ` — ${i.rootCause.diagnosis}` : ''}`);
    if (i.rootCause.fix) lines.push(`Fix: ${i.rootCause.fix}`);
  }
  if (i.reason) lines.push(`Why now: ${i.reason}`);
  const labels = Object.entries(e.labels).map(([k, v]) => `${k}=${v}`);
  if (labels.length > 0) lines.push(`Labels: ${labels.join(', ')}`);
  lines.push(`Incident: ${i.incidentId}${i.openedAt ? `, opened ${i.openedAt}` : ''}${i.flapping ? ' (flapping)' : ''}`);
  lines.push(`Routed by: ${routePath}`);
  if (i.url) lines.push(`Link: ${i.url}`);
  return lines;
}
