import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { predictionList, predictionQuery } from '../../predictions/schemas.js';
import { routeSchema, type RouteDoc } from '../route-docs.js';
import { hostIdParams } from '../schemas.js';

/**
 * Documents of routes whose files declare no schema of their own (they belong to other
 * parts: metrics, diagnosis, predictions). A route that declares one keeps it; the test of
 * the document fails for any route that has neither.
 */
const DOCS_OF_OTHER_ROUTES: Record<string, RouteDoc> = {
  'GET /metrics': {
    operationId: 'getMetrics',
    summary: 'Prometheus metrics: agents, heartbeats, transitions, outbox depth, NATS, event loop lag',
    tags: ['operations'],
    access: 'viewer',
    ok: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } } },
  },
  'POST /v1/hosts/:id/diagnose': {
    operationId: 'diagnoseHost',
    summary: 'Run the check chain now from the coordinator and peer agents; answers the verdict, its path and the findings in words',
    tags: ['hosts'],
    access: 'operator',
    params: hostIdParams,
    ok: { 200: z.object({ diagnosis: z.record(z.string(), z.unknown()) }).describe('the diagnosis') },
    errors: { 400: 'bad id', 404: 'no such host' },
  },
  'GET /v1/predictions': {
    operationId: 'listPredictions',
    summary: 'Failure predictions from trends, with the fitted trend, evidence window, predicted failure time and preventive action, newest first',
    tags: ['predictions'],
    access: 'viewer',
    querystring: predictionQuery,
    ok: { 200: predictionList.describe('predictions') },
    errors: { 400: 'bad or unknown filter' },
  },
};

/** Paths of the API: everything under /v1/, and the operational endpoints. */
const OPERATIONAL_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);
export function isApiPath(url: string): boolean {
  return url.startsWith('/v1/') || OPERATIONAL_PATHS.has(url);
}

/**
 * Installs OpenAPI generation before any route is registered: `@fastify/swagger` collects
 * every route's schema (each declares its own with `routeSchema`, from the same zod
 * schemas the handlers parse with), fastify-type-provider-zod's transform turns the zod
 * schemas into JSON Schema. Fastify neither validates with them nor serialises by them:
 * the handlers validate (errors naming field and value), and a response is JSON.stringify'd
 * as it was before, so a schema can never drop a field or fail a response at run time.
 */
export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onRoute', (route: RouteOptions) => {
    // Files of the web dashboard and anything else outside the API are not API operations.
    if (!isApiPath(route.url)) {
      route.schema = { ...route.schema, hide: true };
      return;
    }
    if (route.schema || route.method === 'HEAD') return;
    const doc = DOCS_OF_OTHER_ROUTES[`${String(route.method)} ${route.url}`];
    if (doc) route.schema = routeSchema(doc);
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vigil coordinator API',
        version,
        description: 'Fleet state, incidents, silences, predictions and the event stream of a Vigil coordinator.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'this coordinator' }],
      tags: [
        { name: 'operations', description: 'health, readiness, metrics, this document' },
        { name: 'hosts', description: 'the fleet' },
        { name: 'events', description: 'the event stream' },
        { name: 'incidents', description: 'incidents and their lifecycle' },
        { name: 'silences', description: 'quiet paging' },
        { name: 'predictions', description: 'failure predictions' },
      ],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token; role viewer reads, role operator also changes' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
}

/** `GET /openapi.json`: the document, built once from the registered routes. */
export const openApiRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/openapi.json',
    {
      schema: routeSchema({
        operationId: 'getOpenApi',
        summary: 'This OpenAPI document, generated from the routes\' own schemas',
        tags: ['operations'],
        access: 'viewer',
        ok: { 200: z.record(z.string(), z.unknown()).describe('an OpenAPI 3.1 document') },
      }),
    },
    async () => app.swagger(),
  );
};
