import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { normalizeHostId, VigilError } from '@vigil/shared';
import { AgentTimeoutError, AgentUnavailableError, type ServiceActionKind } from '../../grpc/agent-channels.js';
import { isStoreCondition } from '../../store/write-guard.js';
import { requireOperator } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { parseInput } from '../validate.js';
import { routeSchema } from '../route-docs.js';
import { serviceActionError, serviceActionOut } from '../schemas.js';

const params = z.object({ id: z.string().min(1).max(253), name: z.string().min(1).max(128) });
const body = z.strictObject({ reason: z.string().max(512).optional() }).optional();

/** The agent capability that says it serves ServiceAction. */
export const SERVICE_ACTIONS_CAPABILITY = 'service_actions';

/** Refusals that mean "no such service here" rather than "not now". */
const NOT_FOUND_REFUSALS = new Set(['not_declared']);

/**
 * Operator actions on a host's declared service, forwarded over the agent's stream:
 * restart it (outside its restart budget), or give its budget back so the agent acts on
 * its own again. Each carries a request id, returned here, journaled by the agent on
 * every event the action causes, and noted on the service's open incidents.
 */
export const serviceRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (app, { deps }) => {
  const route = (path: string, action: ServiceActionKind, operationId: string, summary: string) =>
    app.post(path, { schema: actionSchema(operationId, summary) }, async (req, reply) => {
      const principal = requireOperator(req);
      const p = parseInput(params, req.params, 'params');
      const { reason } = parseInput(body, req.body, 'body') ?? {};
      const hostId = normalizeHostId(p.id);
      const host = deps.registry.get(hostId);
      if (!host) throw new VigilError('NOT_FOUND', `no host "${p.id}"`);
      if (!host.services.some((s) => s.name === p.name)) {
        const declared = host.services.map((s) => s.name).join(', ') || 'none';
        throw new VigilError('NOT_FOUND', `service "${p.name}" is not declared by host "${hostId}" (declared: ${declared})`);
      }
      if (!deps.channels) throw new VigilError('UNAVAILABLE', 'this coordinator does not forward actions to agents');
      if (!deps.channels.isAttached(hostId)) throw new VigilError('CONFLICT', `the agent of host "${hostId}" is not connected (host state ${host.state}); try again when it is`);
      if (!host.capabilities.includes(SERVICE_ACTIONS_CAPABILITY)) {
        throw new VigilError('CONFLICT', `the agent of host "${hostId}" (version ${host.agentVersion}) does not serve operator actions; upgrade it`);
      }
      let answer;
      try {
        answer = await deps.channels.serviceAction(hostId, { service: p.name, action, requestedBy: principal.name, reason: reason ?? '' });
      } catch (err) {
        if (err instanceof AgentUnavailableError) throw new VigilError('CONFLICT', `the agent of host "${hostId}" disconnected before answering`, { cause: err });
        if (err instanceof AgentTimeoutError) throw new VigilError('UNAVAILABLE', err.message, { cause: err });
        throw err;
      }
      const { requestId, result } = answer;
      const what = action === 'restart' ? `restart ${p.name}` : `reset the restart budget of ${p.name}`;
      const summary = result.accepted
        ? `${principal.name} asked the agent to ${what} (request ${requestId}): accepted${result.detail ? `, ${result.detail}` : ''}`
        : `${principal.name} asked the agent to ${what} (request ${requestId}): refused, ${result.error}`;
      req.log.info({ hostId, service: p.name, action, requestId, requestedBy: principal.name, accepted: result.accepted, refusal: result.refusal }, 'operator action on a service');
      try {
        for (const i of deps.incidents.store.activeForHost(hostId)) {
          if (i.service === p.name) deps.incidents.note(i.id, 'action', summary, { requestId, action, requestedBy: principal.name, result });
        }
      } catch (err) {
        if (!isStoreCondition(err)) throw err;
        // The agent has acted: answering 503 would have the operator ask again. The log is the record.
        req.log.warn({ err: (err as Error).message, hostId, requestId }, 'operator action not noted on its incident: the store cannot write');
      }
      if (!result.accepted) return refuse(reply, NOT_FOUND_REFUSALS.has(result.refusal) ? 404 : 409, requestId, result.refusal, result.error);
      return reply.status(202).send({ requestId, hostId, service: p.name, action, accepted: true, detail: result.detail, requestedBy: principal.name });
    });

  route('/v1/hosts/:id/services/:name/restart', 'restart', 'restartService', "The host's agent restarts a declared service now (recovery sequence, outside its restart budget)");
  route('/v1/hosts/:id/services/:name/reset-budget', 'reset_budget', 'resetServiceBudget', "Give a service's used recoveries back, so its agent acts on its own again");
};

function actionSchema(operationId: string, summary: string) {
  const schema = routeSchema({
    operationId,
    summary,
    tags: ['hosts'],
    access: 'operator',
    params,
    body,
    ok: { 202: serviceActionOut.describe('accepted by the agent') },
    errors: { 400: 'bad id, name or body', 503: 'the agent did not answer in time, or actions are not forwarded' },
  });
  // Refusals carry the request id and the agent's reason beside the usual error.
  const response = schema.response as Record<string, unknown>;
  response['404'] = serviceActionError.describe('no such host, service not declared, or the agent does not know it (error.refusal)');
  response['409'] = serviceActionError.describe('agent not connected, or the agent refused (error.refusal, error.requestId)');
  return schema;
}

/** The error shape of every route, with the request id and the agent's reason added. */
function refuse(reply: FastifyReply, status: 404 | 409, requestId: string, refusal: string, message: string) {
  return reply.status(status).send({ error: { code: status === 404 ? 'NOT_FOUND' : 'CONFLICT', message, requestId, refusal } });
}
