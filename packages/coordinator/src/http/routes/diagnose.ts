import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { normalizeHostId, VigilError } from '@vigil/shared';
import type { DiagnosisProgress } from '../../diagnosis/diagnoser.js';
import { requireOperator } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { routeSchema } from '../route-docs.js';
import { hostIdParams } from '../schemas.js';
import { parseInput } from '../validate.js';

/** The media type of the streamed answer: one JSON object per line. */
export const NDJSON = 'application/x-ndjson';

const diagnoseQuery = z
  .object({ stream: z.enum(['1', 'true', '0', 'false']).optional().describe(`1: answer ${NDJSON}, one line per vantage as it arrives, then the diagnosis`) })
  .strict();

/** A streamed answer is asked for by `?stream=1` or by accepting NDJSON (and not JSON first). */
function wantsStream(req: FastifyRequest, stream: string | undefined): boolean {
  if (stream !== undefined) return stream === '1' || stream === 'true';
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => part.trim().split(';')[0]!.trim().toLowerCase() === NDJSON);
}

/**
 * Runs the check chain now, from the coordinator and peer agents, and shows all of it.
 * By default one JSON answer when everything is in; streamed (NDJSON), a `start` line
 * naming the vantages, a `vantage` line per vantage and phase as each answers, then a
 * `diagnosis` line with the same object the JSON answer holds (or an `error` line).
 */
export const diagnoseRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  const schema = routeSchema({
    operationId: 'diagnoseHost',
    summary: 'Run the check chain now from the coordinator and peer agents; answers the verdict, its path and the findings in words',
    description:
      `With \`Accept: ${NDJSON}\` or \`?stream=1\` the answer is one JSON object per line as the diagnosis runs: ` +
      '`{"type":"start","hostId","target","vantages":[{"vantage","kind"}]}`, then `{"type":"vantage","phase":"network"|"checks","report":{...}}` as each vantage answers ' +
      '(no `checks` lines when the network step failed), then `{"type":"diagnosis","diagnosis":{...}}` (the same object as the JSON answer) or `{"type":"error","error":{"code","message"}}`.',
    tags: ['hosts'],
    access: 'operator',
    params: hostIdParams,
    querystring: diagnoseQuery,
    ok: {
      200: {
        description: 'the diagnosis; streamed per vantage when asked',
        content: { 'application/json': { schema: z.object({ diagnosis: z.record(z.string(), z.unknown()) }) }, [NDJSON]: { schema: z.string() } },
      },
    },
    errors: { 400: 'bad id or stream parameter', 404: 'no such host' },
  });
  app.post('/v1/hosts/:id/diagnose', { schema }, async (req, reply) => {
    requireOperator(req);
    const { id } = parseInput(hostIdParams, req.params, 'params');
    const { stream } = parseInput(diagnoseQuery, req.query, 'query');
    const hostId = normalizeHostId(id);
    if (!deps.registry.get(hostId)) throw new VigilError('NOT_FOUND', `no host "${id}"`);
    if (!wantsStream(req, stream)) return { diagnosis: await deps.diagnoser.diagnose(hostId) };

    const out = new PassThrough();
    const line = (o: unknown) => {
      if (!out.writableEnded) out.write(`${JSON.stringify(o)}\n`);
    };
    void reply.header('cache-control', 'no-store').type(`${NDJSON}; charset=utf-8`).send(out);
    deps.diagnoser
      .diagnose(hostId, (p: DiagnosisProgress) => line(p))
      .then(
        (diagnosis) => line({ type: 'diagnosis', diagnosis }),
        (err: Error) => {
          req.log.error({ err }, 'streamed diagnosis failed');
          line({ type: 'error', error: err instanceof VigilError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: 'internal error' } });
        },
      )
      .finally(() => out.end());
    return reply;
  });
};
