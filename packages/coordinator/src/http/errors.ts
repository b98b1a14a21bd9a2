import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { quoteText, VigilError } from '@vigil/shared';
import { isStoreCondition, StoreUnavailableError, type StoreHealth } from '../store/write-guard.js';

/** Longest error message sent: one naming every problem of a huge bad body would be as big as the body. */
export const MAX_ERROR_MESSAGE = 500;

function capped(message: string): string {
  return message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE - 3)}...` : message;
}

/** Every error leaves as `{"error":{"code","message"}}` with the code's one HTTP status. */
export function installErrorHandler(app: FastifyInstance, storeGuard?: Pick<StoreHealth, 'storeFailed'>): void {
  app.setErrorHandler((err, req, reply) => {
    // A write the store refused (disk full) is the store's condition, not a bug: 503 with
    // its words, and it counts towards the degraded state like any refused write.
    if (isStoreCondition(err) && !(err instanceof VigilError)) {
      const what = `${req.method} ${req.routeOptions.url ?? req.url}`;
      storeGuard?.storeFailed(err, what);
      err = new StoreUnavailableError(`the change asked by ${what}`, err);
    }
    if (err instanceof VigilError) {
      return reply.status(err.httpStatus).send({ error: { code: err.code, message: capped(err.message) } });
    }
    const e = err as { statusCode?: number; message?: string };
    const status = e.statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const code = status === 404 ? 'NOT_FOUND' : status === 413 ? 'MESSAGE_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL';
    return reply.status(status).send({ error: { code, message: status >= 500 ? "internal error" : capped(String(e.message)) } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${quoteText(req.url, 200)}` } });
  });
}

/**
 * Errors fastify raises before any route runs (a URL whose percent escapes do not decode,
 * `/v1/hosts/%zz`): same body as every other error, and the URL quoted cut short rather
 * than echoed whole in fastify's own shape. Passed as fastify's `frameworkErrors`.
 */
export function frameworkErrors(err: Error & { code?: string }, req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_BAD_URL') {
    void reply.status(400).send({ error: { code: 'BAD_REQUEST', message: `url: a percent escape does not decode to UTF-8 (got ${quoteText(req.url)})` } });
    return;
  }
  const status = (err as { statusCode?: number }).statusCode ?? 400;
  void reply.status(status).send({ error: { code: status >= 500 ? 'INTERNAL' : 'BAD_REQUEST', message: capped(err.message) } });
}
