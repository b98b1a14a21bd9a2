import { z } from 'zod';
import type { NotifyEvent, NotifyKind } from './event.js';
import { classInWords, whatOf } from './message.js';

/** The placeholders a template may use, and what each is. */
export const TEMPLATE_FIELDS = {
  kind: (k: NotifyKind) => k,
  what: (_k: NotifyKind, e: NotifyEvent) => whatOf(e),
  host: (_k: NotifyKind, e: NotifyEvent) => e.incident.hostId,
  service: (_k: NotifyKind, e: NotifyEvent) => e.incident.service ?? '',
  class: (_k: NotifyKind, e: NotifyEvent) => e.incident.class,
  classWords: (_k: NotifyKind, e: NotifyEvent) => classInWords(e.incident.class),
  level: (_k: NotifyKind, e: NotifyEvent) => String(e.incident.level),
  summary: (_k: NotifyKind, e: NotifyEvent) => e.incident.summary,
  rootCause: (_k: NotifyKind, e: NotifyEvent) => e.incident.rootCause?.cause ?? '',
  diagnosis: (_k: NotifyKind, e: NotifyEvent) => e.incident.rootCause?.diagnosis ?? '',
  fix: (_k: NotifyKind, e: NotifyEvent) => e.incident.rootCause?.fix ?? '',
  reason: (_k: NotifyKind, e: NotifyEvent) => e.incident.reason,
  incident: (_k: NotifyKind, e: NotifyEvent) => e.incident.incidentId,
  url: (_k: NotifyKind, e: NotifyEvent) => e.incident.url,
  zone: (_k: NotifyKind, e: NotifyEvent) => e.labels['zone'] ?? '',
  labels: (_k: NotifyKind, e: NotifyEvent) => Object.entries(e.labels).map(([k, v]) => `${k}=${v}`).join(', '),
} as const satisfies Record<string, (k: NotifyKind, e: NotifyEvent) => string>;

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** A template text: `{{name}}` placeholders, checked against TEMPLATE_FIELDS when the config is read. */
export const templateText = z.string().min(1).superRefine((text, ctx) => {
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (!(m[1]! in TEMPLATE_FIELDS)) ctx.addIssue({ code: 'custom', message: `unknown placeholder {{${m[1]}}} (known: ${Object.keys(TEMPLATE_FIELDS).join(', ')})` });
  }
  const open = text.split('{{').length - 1;
  const matched = [...text.matchAll(PLACEHOLDER)].length;
  if (open !== matched) ctx.addIssue({ code: 'custom', message: `a "{{" without a matching "}}" or with something other than a name inside` });
});

/** `title` replaces the one-line title, `body` the lines under it (Slack, email). */
export const templateSchema = z.object({ title: templateText.optional(), body: templateText.optional() }).strict();
export type Template = z.output<typeof templateSchema>;

export function render(text: string, kind: NotifyKind, e: NotifyEvent): string {
  return text.replace(PLACEHOLDER, (_m, name: string) => (TEMPLATE_FIELDS as Record<string, (k: NotifyKind, e: NotifyEvent) => string>)[name]!(kind, e));
}
