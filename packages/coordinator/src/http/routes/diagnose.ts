import type { FastifyPluginAsync } from 'fastify';
import { normalizeHostId, VigilError } from '@vigil/shared';
import { requireOperator } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { hostIdParams } from '../schemas.js';
import { parseInput } from '../validate.js';

/** Runs the check chain now, from the coordinator and peer agents, and shows all of it. */
export const diagnoseRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.post('/v1/hosts/:id/diagnose', async (req) => {
    requireOperator(req);
    const { id } = parseInput(hostIdParams, req.params, 'params');
    const hostId = normalizeHostId(id);
    if (!deps.registry.get(hostId)) throw new VigilError('NOT_FOUND', `no host "${id}"`);
    return { diagnosis: await deps.diagnoser.diagnose(hostId) };
  });
};
