import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';

/** Prometheus text; gauges that mirror other state are refreshed at scrape time. */
export const metricsRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get('/metrics', async (_req, reply) => {
    const m = deps.metrics;
    m.refresh({
      connectedAgents: deps.registry.connectedCount(),
      hostsByState: deps.registry.countByState(),
      disconnectGrace: deps.registry.disconnectGraceCounts(),
      outboxDepth: deps.outboxDepth(),
      outboxLagSeconds: deps.outboxLagMs() / 1000,
      natsConnected: deps.natsConnected(),
      incidentsActive: m.read('incidents', () => deps.incidents.store.countActive()),
      predictionsActive: m.read('predictions', () => deps.predictor.activeByRule()),
    });
    reply.header('content-type', m.registry.contentType);
    return m.registry.metrics();
  });
};
