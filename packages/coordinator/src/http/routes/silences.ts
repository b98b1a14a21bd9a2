import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { normalizeHostId, parseDuration, VigilError } from '@vigil/shared';
import type { Silence } from '../../incidents/types.js';
import { requireOperator } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { incidentIdParams, silenceBody } from '../schemas.js';
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
  app.get('/v1/silences', async () => ({ silences: store.activeSilences(deps.now()).map(silenceView) }));

  app.post('/v1/silences', async (req, reply) => {
    const who = requireOperator(req);
    const b = parseInput(silenceBody, req.body, 'body');
    const now = deps.now();
    const startsAt = b.startsAt ? Date.parse(b.startsAt) : now;
    let endsAt: number;
    if (b.duration !== undefined) {
      try {
        endsAt = startsAt + parseDuration(b.duration);
      } catch (err) {
        throw new VigilError('BAD_REQUEST', `body.duration: ${(err as Error).message}`);
      }
    } else {
      endsAt = Date.parse(b.endsAt!);
    }
    if (endsAt <= startsAt) throw new VigilError('BAD_REQUEST', `body.endsAt: must be after startsAt (got ${new Date(endsAt).toISOString()})`);
    if (endsAt <= now) throw new VigilError('BAD_REQUEST', `body.endsAt: must be in the future (got ${new Date(endsAt).toISOString()})`);
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
    store.addSilence(s);
    reply.status(201);
    return { silence: silenceView(s) };
  });

  app.delete('/v1/silences/:id', async (req, reply) => {
    requireOperator(req);
    const { id } = parseInput(incidentIdParams, req.params, 'params');
    const s = store.getSilence(id);
    if (!s || s.expiredAt !== null) throw new VigilError('NOT_FOUND', `no active silence "${id}"`);
    store.expireSilence(id, deps.now());
    reply.status(204);
    return null;
  });
};
