import type { FastifyPluginAsync } from 'fastify';
import { normalizeHostId, VigilError } from '@vigil/shared';
import type { HostRecord } from '../../registry/types.js';
import { requireOperator } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { routeSchema } from '../route-docs.js';
import { hostDetail, hostIdParams, hostList, hostQuery, hostRemovedOut } from '../schemas.js';
import { parseInput } from '../validate.js';
import { predictionView } from '../../predictions/index.js';
import { DEFAULT_HOST_PAGE, pageById } from '../host-page.js';
import { hostFleetSummaryView, hostSummaryView, iso } from '../views.js';

export const hostRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  const hostIdOf = (raw: unknown): string => {
    const params = hostIdParams.safeParse(raw);
    if (!params.success) throw new VigilError('BAD_REQUEST', `id: ${params.error.issues[0]?.message ?? 'invalid'}`);
    return normalizeHostId(params.data.id);
  };

  const listSchema = routeSchema({
    operationId: 'listHosts',
    summary: 'Known hosts with their state and a summary (services with checks, open incidents, active predictions), filtered, a page at a time by id',
    tags: ['hosts'],
    access: 'viewer',
    querystring: hostQuery,
    ok: { 200: hostList.describe('a page of hosts') },
    errors: { 400: 'bad or unknown filter, limit or cursor' },
  });
  app.get('/v1/hosts', { schema: listSchema }, async (req) => {
    const q = parseInput(hostQuery, req.query, 'query');
    const zoneLabel = deps.zoneLabel ?? 'zone';
    const labels = (q.label ?? []).map((kv) => {
      const eq = kv.indexOf('=');
      return [kv.slice(0, eq), kv.slice(eq + 1)] as const;
    });
    if (q.zone !== undefined) labels.push([zoneLabel, q.zone]);
    const states = q.state ? new Set<string>(q.state) : undefined;
    const connected = q.connected === undefined ? undefined : q.connected === 'true';
    const text = q.q?.toLowerCase();
    const matches = (h: HostRecord): boolean =>
      (!states || states.has(h.state)) &&
      (connected === undefined || deps.registry.isConnected(h.id) === connected) &&
      labels.every(([k, v]) => h.labels[k] === v) &&
      (text === undefined || h.id.toLowerCase().includes(text) || h.hostname.toLowerCase().includes(text));
    // Code-point order (not the locale's): the cursor compares ids the same way.
    const all = [...deps.registry.all()].filter(matches).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const { page, nextCursor } = pageById(all, q.limit ?? DEFAULT_HOST_PAGE, q.cursor);
    return {
      hosts: page.map((h) => ({
        ...hostSummaryView(h, deps.registry.isConnected(h.id), deps.diagnoser.sshTargetOf(h)),
        summary: hostFleetSummaryView(h, {
          incidents: deps.incidents.store.activeForHost(h.id),
          predictions: deps.predictor.activeFor(h.id).map(predictionView),
        }),
      })),
      total: all.length,
      ...(nextCursor !== undefined ? { nextCursor } : {}),
    };
  });

  const getSchema = routeSchema({
    operationId: 'getHost',
    summary: 'One host: latest sample, services, events, findings, state history, incidents, predictions',
    tags: ['hosts'],
    access: 'viewer',
    params: hostIdParams,
    ok: { 200: hostDetail.describe('the host') },
    errors: { 400: 'bad id', 404: 'no such host' },
  });
  app.get('/v1/hosts/:id', { schema: getSchema }, async (req) => {
    const id = hostIdOf(req.params);
    const h = deps.registry.get(id);
    if (!h) throw new VigilError('NOT_FOUND', `no host "${id}"`);
    return {
      host: {
        ...hostSummaryView(h, deps.registry.isConnected(h.id), deps.diagnoser.sshTargetOf(h)),
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

  /**
   * Removes a host that has left the fleet for good. Refused (409) while its agent is
   * connected or it is online or suspect (it would only come back, or an outage would be
   * hidden), and while it has active incidents (resolve them first: removing the host
   * must not silence a page).
   */
  const deleteSchema = routeSchema({
    operationId: 'removeHost',
    summary: 'Remove a host that has left or gone silent; publishes vigil.v1.host.removed.<host>',
    tags: ['hosts'],
    access: 'operator',
    params: hostIdParams,
    ok: { 200: hostRemovedOut.describe('removed') },
    errors: { 400: 'bad id', 404: 'no such host', 409: 'agent connected, host online or suspect, or active incidents', 503: 'the store cannot write' },
  });
  app.delete('/v1/hosts/:id', { schema: deleteSchema }, async (req) => {
    const who = requireOperator(req);
    const id = hostIdOf(req.params);
    deps.registry.assertRemovable(id);
    const active = deps.incidents.store.activeForHost(id);
    if (active.length > 0) {
      throw new VigilError('CONFLICT', `host "${id}" has active incidents (${active.map((i) => i.id).join(', ')}); resolve them first, then remove the host`);
    }
    const host = deps.registry.remove(id, who.name);
    return { removed: { id: host.id, state: host.state, by: who.name } };
  });
};
