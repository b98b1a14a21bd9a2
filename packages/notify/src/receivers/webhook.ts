import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { post } from './http.js';
import type { CommonReceiverConfig, Receiver, ReceiverType } from './types.js';

const schema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    /** Signs each body with HMAC-SHA256; the receiver checks `X-Vigil-Signature`. */
    secret: z.string().min(16, 'at least 16 characters').optional(),
    /** Extra request headers (an Authorization header, say). */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

type Config = z.output<typeof schema> & CommonReceiverConfig;

export const SIGNATURE_HEADER = 'x-vigil-signature';
export const DELIVERY_HEADER = 'x-vigil-delivery';

/** `sha256=<hex>` of HMAC-SHA256(secret, body), the body exactly as sent. */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The CloudEvent as the coordinator published it (structured mode), with headers that
 * let the receiver check who sent it and drop a repeat: `X-Vigil-Delivery` is the same
 * for every attempt of one page, `X-Vigil-Notify-Kind` says trigger/acknowledge/resolve.
 */
function create(c: Config): Receiver {
  return {
    name: c.name,
    type: 'webhook',
    async send(n) {
      const body = JSON.stringify(n.event.cloudEvent);
      const headers: Record<string, string> = { ...c.headers, 'content-type': 'application/cloudevents+json', [DELIVERY_HEADER]: n.deliveryId, 'x-vigil-notify-kind': n.kind };
      if (c.secret) headers[SIGNATURE_HEADER] = sign(c.secret, body);
      await post(c.url, body, headers, c.timeout);
    },
  };
}

export const webhookReceiver: ReceiverType<typeof schema> = {
  type: 'webhook',
  description: 'Generic webhook: the CloudEvent as JSON, signed with HMAC-SHA256 when a secret is set',
  schema,
  create,
};
