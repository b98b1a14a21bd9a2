import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { routeSchema } from '../route-docs.js';
import { health, readiness } from '../schemas.js';

/** Liveness and a one-look summary; never requires a token. */
export const healthRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get('/healthz', { schema: routeSchema({ operationId: 'getHealth', summary: 'Liveness and a summary; no token needed', tags: ['operations'], access: 'open', ok: { 200: health.describe('alive, ok or degraded with the reasons') } }) }, async () => {
    const nats = deps.natsConnected();
    const storeProblem = deps.storeGuard?.reason();
    const reasons = [...(storeProblem ? [storeProblem] : []), ...(nats === false ? ['not connected to NATS: events wait in the outbox'] : [])];
    return {
      status: reasons.length > 0 ? 'degraded' : 'ok',
      ...(reasons.length > 0 ? { reasons } : {}),
      store: storeProblem ? 'degraded' : 'ok',
      coordinatorId: deps.coordinatorId,
      version: deps.version,
      uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
      nats: nats === null ? 'disabled' : nats ? 'connected' : 'disconnected',
      outboxDepth: deps.outboxDepth(),
      connectedAgents: deps.registry.connectedCount(),
    };
  });

  // For a load balancer or orchestrator: 503 while the store cannot write or events have
  // not been published for longer than the grace, with the reasons.
  app.get(
    '/readyz',
    {
      schema: routeSchema({
        operationId: 'getReadiness',
        summary: 'Readiness: the store writes and events get published; no token needed',
        tags: ['operations'],
        access: 'open',
        ok: { 200: readiness.describe('ready'), 503: readiness.describe('not ready, with the reasons') },
      }),
    },
    async (_req, reply) => {
    const report = deps.readiness();
    return reply.code(report.ready ? 200 : 503).send(report);
    },
  );
};
