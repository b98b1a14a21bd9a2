import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { predictionList } from '../../predictions/schemas.js';
import { ackBody, errorBody, health, readiness, hostDetail, hostList, incidentDetail, incidentList, reopenBody, resolveBody, silenceBody, silenceList } from '../schemas.js';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) } } });

/** The OpenAPI document, generated from the same zod schemas the API is tested against. */
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

export function openApiDocument(version: string) {
  const err = (description: string) => ({ description, ...json(errorBody) });
  return {
    openapi: '3.1.0',
    info: { title: 'Vigil coordinator API', version },
    paths: {
      '/healthz': { get: { summary: 'Liveness and summary', responses: { '200': { description: 'ok', ...json(health) } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: the store writes and events get published (no token)',
          responses: { '200': { description: 'ready', ...json(readiness) }, '503': { description: 'not ready, with the reasons', ...json(readiness) } },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
      '/v1/events': {
        get: {
          summary: 'Server-Sent Events: every stored event (id: the store seq), resumable with Last-Event-ID or ?since=, filtered by ?subject= prefixes',
          parameters: [
            { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } },
            { name: 'since', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'subject', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'text/event-stream; each data: line is eventFrameData', content: { 'text/event-stream': { schema: { type: 'string' } } } }, '400': err('bad Last-Event-ID, since or subject') },
        },
      },
      '/v1/hosts': {
        get: {
          summary: 'Known hosts with their state and a summary (services and checks, open incidents, active predictions), filtered by state, zone, label, connection and text, a page at a time by id; unknown parameters are refused',
          parameters: ['state', 'zone', 'label', 'connected', 'q', 'limit', 'cursor'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
          responses: { '200': { description: 'hosts', ...json(hostList) }, '400': err('bad or unknown filter') },
        },
      },
      '/v1/hosts/{id}': {
        get: {
          summary: 'One host: latest sample and state history',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'host', ...json(hostDetail) }, '404': err('no such host'), '400': err('bad id') },
        },
        delete: {
          summary: 'Remove a host that has left or gone silent (operator); publishes vigil.v1.host.removed.<host>',
          parameters: [idParam],
          responses: { '200': { description: 'removed' }, '403': err('viewer token'), '404': err('no such host'), '409': err('agent connected, host online or suspect, or active incidents') },
        },
      },
      '/v1/hosts/{id}/diagnose': {
        post: {
          summary: 'Run the check chain now from the coordinator and peer agents; returns facts, each vantage, the tree path',
          parameters: [idParam],
          responses: { '200': { description: 'diagnosis' }, '403': err('viewer token'), '404': err('no such host') },
        },
      },
      '/v1/hosts/{id}/services/{name}/restart': {
        post: {
          summary: "Operator: the host's agent restarts a declared service now (recovery sequence, outside its restart budget); returns the request id the agent journals it under",
          parameters: [idParam, { name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '202': { description: '{requestId, accepted, detail}' }, '403': err('viewer token'), '404': err('no such host or service not declared'), '409': err('agent not connected, or the agent refused (error.refusal, error.requestId)'), '503': err('the agent did not answer in time') },
        },
      },
      '/v1/hosts/{id}/services/{name}/reset-budget': {
        post: {
          summary: "Operator: give a service's used recoveries back, so its agent acts on its own again; returns the request id",
          parameters: [idParam, { name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '202': { description: '{requestId, accepted, detail}' }, '403': err('viewer token'), '404': err('no such host or service not declared'), '409': err('agent not connected, or the agent refused'), '503': err('the agent did not answer in time') },
        },
      },
      '/v1/incidents': {
        get: {
          summary: 'Incidents, newest first',
          parameters: ['state', 'host', 'class', 'level', 'limit'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
          responses: { '200': { description: 'incidents', ...json(incidentList) }, '400': err('bad filter') },
        },
      },
      '/v1/incidents/{id}': { get: { summary: 'One incident with its timeline', parameters: [idParam], responses: { '200': { description: 'incident', ...json(incidentDetail) }, '404': err('no such incident') } } },
      '/v1/incidents/{id}/ack': {
        post: { summary: 'Acknowledge: stops further escalation', parameters: [idParam], requestBody: json(ackBody), responses: { '200': { description: 'acknowledged' }, '409': err('not open') } },
      },
      '/v1/incidents/{id}/resolve': {
        post: { summary: 'Resolve with a comment', parameters: [idParam], requestBody: json(resolveBody), responses: { '200': { description: 'resolved' }, '409': err('already resolved') } },
      },
      '/v1/incidents/{id}/reopen': {
        post: { summary: 'Reopen a resolved incident with a comment', parameters: [idParam], requestBody: json(reopenBody), responses: { '200': { description: 'reopened' }, '409': err('not resolved, or another incident is active for its key') } },
      },
      '/v1/silences': {
        get: { summary: 'Active silences', responses: { '200': { description: 'silences', ...json(silenceList) } } },
        post: { summary: 'Silence paging for a host, service and/or class until a time', requestBody: json(silenceBody), responses: { '201': { description: 'created' }, '400': err('bad body') } },
      },
      '/v1/predictions': {
        get: {
          summary: 'Failure predictions from trends (runbook section 6), with the fitted trend, evidence window, predicted failure time and preventive action',
          parameters: ['host', 'rule', 'state', 'limit'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
          responses: { '200': { description: 'predictions', ...json(predictionList) }, '400': err('bad filter') },
        },
      },
      '/v1/silences/{id}': { delete: { summary: 'End a silence now', parameters: [idParam], responses: { '204': { description: 'ended' }, '404': err('no such silence') } } },
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
  };
}

export const openApiRoutes: FastifyPluginAsync<{ version: string }> = async (app, { version }) => {
  const doc = openApiDocument(version);
  app.get('/openapi.json', async () => doc);
};
