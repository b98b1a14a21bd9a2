import type { FastifyPluginAsync } from 'fastify';
import { normalizeHostId } from '@vigil/shared';
import { parseInput } from '../http/validate.js';
import type { Predictor } from './predictor.js';
import { predictionQuery } from './schemas.js';
import { PREDICTION_STATES } from './types.js';
import { predictionView } from './views.js';

/** GET /v1/predictions?host=&rule=&state=&limit= → `{ predictions: [...] }`, newest first. */
export const predictionRoutes: FastifyPluginAsync<{ predictor: Pick<Predictor, 'list'> }> = async (app, { predictor }) => {
  app.get('/v1/predictions', async (req) => {
    const q = parseInput(predictionQuery, req.query, 'query');
    const predictions = predictor.list({
      ...(q.host !== undefined ? { hostId: normalizeHostId(q.host) } : {}),
      ...(q.rule !== undefined ? { rule: q.rule } : {}),
      ...(q.state !== undefined ? { state: q.state as (typeof PREDICTION_STATES)[number] } : {}),
      limit: q.limit ?? 200,
    });
    return { predictions: predictions.map(predictionView) };
  });
};
