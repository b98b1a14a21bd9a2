import { createTransport, type Transporter } from 'nodemailer';
import { z } from 'zod';
import { detailLines, title } from '../message.js';
import { render } from '../template.js';
import { DeliveryError, type CommonReceiverConfig, type Receiver, type ReceiverType } from './types.js';

const schema = z
  .object({
    /** SMTP server. */
    host: z.string().min(1),
    /** @default 587 (25 or 465 as your server wants) */
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. @default false */
    secure: z.boolean().default(false),
    /** Refuse to send without STARTTLS. @default false */
    requireTls: z.boolean().default(false),
    auth: z.object({ user: z.string().min(1), pass: z.string().min(1) }).strict().optional(),
    from: z.string().min(3),
    to: z.union([z.string().min(3), z.array(z.string().min(3)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
  })
  .strict();

type Config = z.output<typeof schema> & CommonReceiverConfig;

/**
 * Email over SMTP with nodemailer. The Message-ID is derived from the delivery id, so a
 * repeat after a crash is the same message to mail systems that deduplicate; every
 * mail of one incident references the same id, so pages, acknowledgement and resolution thread.
 */
function create(c: Config): Receiver {
  let transport: Transporter | undefined;
  const domain = 'vigil-notify.invalid';
  return {
    name: c.name,
    type: 'email',
    async send(n) {
      transport ??= createTransport({
        host: c.host,
        port: c.port,
        secure: c.secure,
        requireTLS: c.requireTls,
        auth: c.auth,
        connectionTimeout: c.timeout,
        greetingTimeout: c.timeout,
        socketTimeout: c.timeout,
      });
      const i = n.event.incident;
      const pageId = `<${encodeURIComponent(i.incidentId)}.page@${domain}>`;
      try {
        await transport.sendMail({
          from: c.from,
          to: c.to,
          subject: `[Vigil] ${c.template?.title ? render(c.template.title, n.kind, n.event) : title(n.kind, n.event)}`,
          text: `${c.template?.body ? render(c.template.body, n.kind, n.event) : detailLines(n.kind, n.event, n.routePath).join('\n')}\n`,
          messageId: `<${encodeURIComponent(n.deliveryId)}@${domain}>`,
          references: [pageId],
          headers: { 'X-Vigil-Delivery': n.deliveryId, 'X-Vigil-Incident': i.incidentId },
        });
      } catch (err) {
        const e = err as Error & { responseCode?: number; code?: string };
        // SMTP 5xx is a permanent refusal (bad address, relay denied); 4xx and network errors pass.
        const permanent = e.responseCode !== undefined && e.responseCode >= 500;
        throw new DeliveryError(`SMTP ${c.host}:${c.port}: ${e.message}`, !permanent, { cause: err });
      }
    },
    async close() {
      transport?.close();
    },
  };
}

export const emailReceiver: ReceiverType<typeof schema> = {
  type: 'email',
  description: 'Email over SMTP (nodemailer), STARTTLS and auth as configured',
  schema,
  create,
};
