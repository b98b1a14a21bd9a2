import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { normalizeHostId, parseDuration, VigilError } from '@vigil/shared';
import type { Silence } from '../../incidents/types.js';
import { requireOperator } from '../auth.js';
import { storeWrite, type ApiDeps } from '../deps.js';
import { z } from 'zod';
import { routeSchema } from '../route-docs.js';
import { incidentIdParams, MAX_SILENCE_MS, silenceBody, silenceCreated, silenceList } from '../schemas.js';
import { parseInput } from '../validate.js';

function silenceView(s: Silence) {
  return {
    id: s.id,
    host: s.hostId,
    service: s.service,
    class: s.class,
    startsAt: new Date(s.startsAt).toISOString(),
    endsAt: new Date(s.endsAt).toISOString(),
    comment: s.comment,
    createdBy: s.createdBy,
    createdAt: new Date(s.createdAt).toISOString(),
  };
}

/** Silences keep paging quiet for matching incidents while still recording everything. */
export const silenceRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  const store = deps.incidents.store;
  // A stored row that cannot be rendered (written before its times were bounded) is left
  // out with a warning naming it, so one bad row never takes the whole list down.
  app.get('/v1/silences', { schema: routeSchema({ operationId: 'listSilences', summary: 'Active silences', tags: ['silences'], access: 'viewer', ok: { 200: silenceList.describe('silences') } }) }, async (req) => {
    const silences: ReturnType<typeof silenceView>[] = [];
    for (const s of store.activeSilences(deps.now())) {
      try {
        silences.push(silenceView(s));
      } catch (err) {
        req.log.warn({ silenceId: s.id, startsAt: s.startsAt, endsAt: s.endsAt, err: (err as Error).message }, `silence ${s.id} cannot be shown and is left out of the list; DELETE /v1/silences/${s.id} removes it`);
      }
    }
    return { silences };
  });

  const createSchema = routeSchema({
    operationId: 'createSilence',
    summary: 'Silence paging for a host, service and/or class until a time (at most 365 days ahead and long)',
    tags: ['silences'],
    access: 'operator',
    body: silenceBody,
    ok: { 201: silenceCreated.describe('created') },
    errors: { 400: 'bad body', 503: 'the store cannot write' },
  });
  app.post('/v1/silences', { schema: createSchema }, async (req, reply) => {
    const who = requireOperator(req);
    const b = parseInput(silenceBody, req.body, 'body');
    const now = deps.now();
    const startsAt = b.startsAt ? Date.parse(b.startsAt) : now;
    if (Math.abs(startsAt - now) > MAX_SILENCE_MS) throw new VigilError('BAD_REQUEST', `body.startsAt: must be within 365d of now (got "${b.startsAt}")`);
    // The schema bounds the duration to 365d, so it parses here.
    const endsAt = b.duration !== undefined ? startsAt + parseDuration(b.duration) : Date.parse(b.endsAt!);
    const got = b.endsAt !== undefined ? `"${b.endsAt}"` : `"${b.duration}", ending ${new Date(endsAt).toISOString()}`;
    const field = b.endsAt !== undefined ? 'body.endsAt' : 'body.duration';
    if (endsAt <= startsAt) throw new VigilError('BAD_REQUEST', `${field}: must end after startsAt (got ${got})`);
    if (endsAt - startsAt > MAX_SILENCE_MS) throw new VigilError('BAD_REQUEST', `${field}: a silence lasts at most 365d (got ${got})`);
    if (endsAt <= now) throw new VigilError('BAD_REQUEST', `${field}: must end in the future (got ${got})`);
    const s: Silence = {
      id: `sil-${randomUUID().slice(0, 12)}`,
      hostId: b.host ? normalizeHostId(b.host) : null,
      service: b.service ?? null,
      class: b.class ?? null,
      startsAt,
      endsAt,
      comment: b.comment,
      createdBy: who.name,
      createdAt: now,
      expiredAt: null,
    };
    // Rendered before it is stored: nothing is kept that the list could not show.
    const view = silenceView(s);
    storeWrite(deps, 'the silence', () => store.addSilence(s));
    reply.status(201);
    return { silence: view };
  });

  const deleteSchema = routeSchema({
    operationId: 'endSilence',
    summary: 'End a silence now',
    tags: ['silences'],
    access: 'operator',
    params: incidentIdParams,
    ok: { 204: z.null().describe('ended') },
    errors: { 400: 'bad id', 404: 'no active silence with this id', 503: 'the store cannot write' },
  });
  app.delete('/v1/silences/:id', { schema: deleteSchema }, async (req, reply) => {
    requireOperator(req);
    const { id } = parseInput(incidentIdParams, req.params, 'params');
    const s = store.getSilence(id);
    if (!s || s.expiredAt !== null) throw new VigilError('NOT_FOUND', `no active silence "${id}"`);
    storeWrite(deps, `the silence's expiry`, () => store.expireSilence(id, deps.now()));
    reply.status(204);
    return null;
  });
};
