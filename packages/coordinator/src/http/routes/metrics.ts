import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';

/** Prometheus text; gauges that mirror other state are refreshed at scrape time. */
export const metricsRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get('/metrics', async (_req, reply) => {
    const m = deps.metrics;
    m.connectedAgents.set(deps.registry.connectedCount());
    for (const [state, n] of Object.entries(deps.registry.countByState())) m.hosts.set({ state }, n);
    m.outboxDepth.set(deps.outboxDepth());
    m.outboxLag.set(deps.outboxLagMs() / 1000);
    const nats = deps.natsConnected();
    m.natsConnected.set(nats ? 1 : 0);
    reply.header('content-type', m.registry.contentType);
    return m.registry.metrics();
  });
};
