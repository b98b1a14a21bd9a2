import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { errorBody, health, hostDetail, hostList } from '../schemas.js';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) } } });

/** The OpenAPI document, generated from the same zod schemas the API is tested against. */
export function openApiDocument(version: string) {
  const err = (description: string) => ({ description, ...json(errorBody) });
  return {
    openapi: '3.1.0',
    info: { title: 'Vigil coordinator API', version },
    paths: {
      '/healthz': { get: { summary: 'Liveness and summary', responses: { '200': { description: 'ok', ...json(health) } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
      '/v1/hosts': { get: { summary: 'Every known host with its state', responses: { '200': { description: 'hosts', ...json(hostList) } } } },
      '/v1/hosts/{id}': {
        get: {
          summary: 'One host: latest sample and state history',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'host', ...json(hostDetail) }, '404': err('no such host'), '400': err('bad id') },
        },
      },
    },
  };
}

export const openApiRoutes: FastifyPluginAsync<{ version: string }> = async (app, { version }) => {
  const doc = openApiDocument(version);
  app.get('/openapi.json', async () => doc);
};
