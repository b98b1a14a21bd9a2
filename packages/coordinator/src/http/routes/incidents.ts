import type { FastifyPluginAsync } from 'fastify';
import { VigilError } from '@vigil/shared';
import type { Incident } from '../../incidents/types.js';
import { requireOperator } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { routeSchema } from '../route-docs.js';
import { ackBody, incidentChanged, incidentDetail, incidentIdParams, incidentList, incidentQuery, reopenBody, resolveBody } from '../schemas.js';
import { parseInput } from '../validate.js';
import { iso } from '../views.js';

export function incidentView(i: Incident, silenced: boolean) {
  return {
    id: i.id,
    hostId: i.hostId,
    subject: i.subject,
    service: i.service || null,
    class: i.class,
    state: i.state,
    level: i.level,
    confidence: i.confidence,
    summary: i.summary,
    rootCause: i.rootCause,
    openedAt: new Date(i.openedAt).toISOString(),
    updatedAt: new Date(i.updatedAt).toISOString(),
    acknowledgedAt: iso(i.acknowledgedAt),
    acknowledgedBy: i.acknowledgedBy,
    resolvedAt: iso(i.resolvedAt),
    resolvedBy: i.resolvedBy,
    resolution: i.resolution,
    nextEscalationAt: iso(i.nextEscalationAt),
    parentId: i.parentId,
    flapping: i.flapping,
    clearSince: iso(i.clearSince),
    silenced,
  };
}

export const incidentRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  const m = deps.incidents;
  const find = (raw: unknown): Incident => {
    const { id } = parseInput(incidentIdParams, raw, 'params');
    const i = m.get(id);
    if (!i) throw new VigilError('NOT_FOUND', `no incident "${id}"`);
    return i;
  };
  const view = (i: Incident) => incidentView(i, m.isSilenced(i) !== undefined);

  const listSchema = routeSchema({
    operationId: 'listIncidents',
    summary: 'Incidents, newest first, filtered by state, host, class and level',
    tags: ['incidents'],
    access: 'viewer',
    querystring: incidentQuery,
    ok: { 200: incidentList.describe('incidents') },
    errors: { 400: 'bad or unknown filter' },
  });
  app.get('/v1/incidents', { schema: listSchema }, async (req) => {
    const q = parseInput(incidentQuery, req.query, 'query');
    const list = m.store.list({ state: q.state, hostId: q.host?.toLowerCase(), class: q.class, level: q.level, limit: q.limit });
    return { incidents: list.map(view) };
  });

  const getSchema = routeSchema({
    operationId: 'getIncident',
    summary: 'One incident with its diagnosis and timeline',
    tags: ['incidents'],
    access: 'viewer',
    params: incidentIdParams,
    ok: { 200: incidentDetail.describe('the incident') },
    errors: { 400: 'bad id', 404: 'no such incident' },
  });
  app.get('/v1/incidents/:id', { schema: getSchema }, async (req) => {
    const i = find(req.params);
    return {
      incident: {
        ...view(i),
        diagnosis: i.diagnosis,
        timeline: m.store.timeline(i.id).map((t) => ({ at: new Date(t.at).toISOString(), kind: t.kind, summary: t.summary, data: t.data })),
      },
    };
  });

  // The manager decides: an unknown id is NOT_FOUND (404), a refusal of its lifecycle
  // table an IncidentConflictError (409 CONFLICT). Who did it is the token's name.
  const change = (operationId: string, summary: string, body: typeof ackBody | typeof resolveBody, conflict: string) =>
    routeSchema({
      operationId,
      summary,
      tags: ['incidents'],
      access: 'operator',
      params: incidentIdParams,
      body,
      ok: { 200: incidentChanged.describe('the incident as it is now') },
      errors: { 400: 'bad id or body', 404: 'no such incident', 409: conflict, 503: 'the store cannot write' },
    });
  app.post('/v1/incidents/:id/ack', { schema: change('ackIncident', 'Acknowledge: stops further escalation', ackBody, 'not open') }, async (req) => {
    const who = requireOperator(req);
    const { id } = parseInput(incidentIdParams, req.params, 'params');
    const body = parseInput(ackBody, req.body, 'body');
    return { incident: view(m.acknowledge(id, who.name, body.comment)) };
  });

  app.post('/v1/incidents/:id/resolve', { schema: change('resolveIncident', 'Resolve with a comment saying how', resolveBody, 'already resolved') }, async (req) => {
    const who = requireOperator(req);
    const { id } = parseInput(incidentIdParams, req.params, 'params');
    const body = parseInput(resolveBody, req.body, 'body');
    return { incident: view(m.resolve(id, who.name, body.comment)) };
  });

  app.post('/v1/incidents/:id/reopen', { schema: change('reopenIncident', 'Reopen a resolved incident with a comment saying why', reopenBody, 'not resolved, or another incident is active for its key') }, async (req) => {
    const who = requireOperator(req);
    const { id } = parseInput(incidentIdParams, req.params, 'params');
    const body = parseInput(reopenBody, req.body, 'body');
    return { incident: view(m.reopen(id, who.name, body.comment)) };
  });
};
