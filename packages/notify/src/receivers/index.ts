import { z } from 'zod';
import { durationMs } from '@vigil/shared';
import { alertmanagerReceiver } from './alertmanager.js';
import { emailReceiver } from './email.js';
import { pagerDutyReceiver } from './pagerduty.js';
import { slackReceiver } from './slack.js';
import { templateSchema } from '../template.js';
import type { CommonReceiverConfig, Receiver, ReceiverType } from './types.js';
import { webhookReceiver } from './webhook.js';

export * from './types.js';

/** Every receiver type. A new one is one file and one line here. */
export const RECEIVER_TYPES = [alertmanagerReceiver, pagerDutyReceiver, slackReceiver, webhookReceiver, emailReceiver] as const satisfies readonly ReceiverType<z.ZodObject>[];

/**
 * 14 attempts, 1 s doubling to 30 s: the 13 waits add up to 135-271 s with jitter, so a
 * receiver down for two minutes still gets every page by default.
 */
const retrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(1000).default(14),
    initialBackoff: durationMs.default(1000),
    maxBackoff: durationMs.default(30_000),
  })
  .strict()
  .default({ maxAttempts: 14, initialBackoff: 1000, maxBackoff: 30_000 });

const common = {
  /** Used in routes, metrics and the subjects `vigil.v1.notify.{delivered,failed}.<name>`. */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only (it is a NATS subject token)'),
  timeout: durationMs.default(10_000),
  retry: retrySchema,
  fallback: z.string().min(1).optional(),
  /** At most `pages` pages per `per`; the rest are held and sent as one summary a window later. */
  rateLimit: z.object({ pages: z.number().int().min(1), per: durationMs }).strict().optional(),
  /** Overrides of the message text (Slack and email use it): `{{placeholders}}`, see docs/notify.md. */
  template: templateSchema.optional(),
  /** Pages of one zone within this time (counted from the first) go out as one message. */
  groupWait: durationMs.optional(),
};

type TypeConfig<T> = T extends ReceiverType<infer S> ? z.output<S> & CommonReceiverConfig & { type: T['type'] } : never;
export type ReceiverConfig = TypeConfig<(typeof RECEIVER_TYPES)[number]>;

const TYPE_NAMES = RECEIVER_TYPES.map((t) => t.type);

/**
 * One receiver's config: `type` picks the schema. An unknown type is named with the
 * known ones before anything else is checked, so the error says what to write.
 */
const byType = z.discriminatedUnion('type', RECEIVER_TYPES.map((t) => t.schema.extend({ type: z.literal(t.type), ...common })) as unknown as [z.ZodObject, z.ZodObject]);

export const receiverSchema = z
  .looseObject({
    type: z.string().refine((t) => (TYPE_NAMES as string[]).includes(t), { error: (iss) => `unknown receiver type ${JSON.stringify(iss.input)} (known: ${TYPE_NAMES.join(', ')})` }),
  })
  .pipe(byType as unknown as z.ZodType<ReceiverConfig, { type: string }>);

export function createReceiver(c: ReceiverConfig): Receiver {
  const t = RECEIVER_TYPES.find((x) => x.type === c.type);
  if (!t) throw new Error(`unknown receiver type ${c.type}`);
  return (t.create as (c: ReceiverConfig) => Receiver)(c);
}
