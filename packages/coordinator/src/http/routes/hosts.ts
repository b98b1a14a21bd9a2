import type { FastifyPluginAsync } from 'fastify';
import { normalizeHostId, VigilError } from '@vigil/shared';
import type { ApiDeps } from '../deps.js';
import { hostIdParams } from '../schemas.js';
import { hostSummaryView, iso } from '../views.js';

export const hostRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get('/v1/hosts', async () => ({
    hosts: deps.registry.list().map((h) => hostSummaryView(h, deps.registry.isConnected(h.id))),
  }));

  app.get('/v1/hosts/:id', async (req) => {
    const params = hostIdParams.safeParse(req.params);
    if (!params.success) throw new VigilError('BAD_REQUEST', `id: ${params.error.issues[0]?.message ?? 'invalid'}`);
    const id = normalizeHostId(params.data.id);
    const h = deps.registry.get(id);
    if (!h) throw new VigilError('NOT_FOUND', `no host "${params.data.id}"`);
    return {
      host: {
        ...hostSummaryView(h, deps.registry.isConnected(h.id)),
        firstSeen: new Date(h.firstSeen).toISOString(),
        lastSeq: h.lastSeq,
        os: h.os,
        capabilities: h.capabilities,
        phi: deps.phiOf(h.id) ?? null,
        latestSample: h.latestSample,
        sampleAt: iso(h.sampleAt),
        history: deps.hostStore.history(h.id).map((t) => ({ from: t.from, to: t.to, reason: t.reason, at: new Date(t.at).toISOString() })),
        serviceStatus: h.serviceStatus,
        events: deps.agentEvents.recent(h.id, 100).map((e) => ({ ...e, at: new Date(e.atMs).toISOString() })),
        findings: deps.agentEvents.findings(h.id),
        predictions: deps.predictor.hostView(h.id),
        incidents: deps.incidents.store.activeForHost(h.id).map((i) => ({ id: i.id, class: i.class, service: i.service || null, level: i.level, state: i.state })),
      },
    };
  });
};
