import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';

/** Liveness and a one-look summary; never requires a token. */
export const healthRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get('/healthz', async () => {
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
  app.get('/readyz', async (_req, reply) => {
    const report = deps.readiness();
    return reply.code(report.ready ? 200 : 503).send(report);
  });
};
