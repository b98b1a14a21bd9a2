import type { FastifySchema } from 'fastify';
import { z } from 'zod';
import { errorBody } from './schemas.js';

/** Who may call a route: no token (probes), any token, or an operator's. */
export type Access = 'open' | 'viewer' | 'operator';

/** A response that is not JSON (an event stream, Prometheus text). */
export interface ContentResponse {
  description: string;
  content: Record<string, { schema: z.ZodType }>;
}

export interface RouteDoc {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  access: Access;
  params?: z.ZodType;
  querystring?: z.ZodType;
  headers?: z.ZodType;
  body?: z.ZodType;
  /** Success responses by status; a zod schema's description is the response's. */
  ok: Record<number, z.ZodType | ContentResponse>;
  /** Error responses by status, each with what causes it; 401 and 403 follow from `access`. */
  errors?: Partial<Record<400 | 404 | 409 | 413 | 503, string>>;
}

/**
 * A route's fastify schema from its zod schemas: what `@fastify/swagger` turns into the
 * OpenAPI document (through fastify-type-provider-zod's transform). Validation stays in the
 * handlers (`parseInput`), whose errors name the field and value, so the compilers set in
 * `openapi.ts` only pass input through and serialise with JSON.stringify.
 */
export function routeSchema(d: RouteDoc): FastifySchema {
  const response: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(d.ok)) response[status] = schema;
  for (const [status, why] of Object.entries(d.errors ?? {})) response[status] = errorBody.describe(why);
  if (d.access !== 'open') response['401'] = errorBody.describe('no bearer token, or one that is not valid');
  if (d.access === 'operator') response['403'] = errorBody.describe('the token may only read (role viewer); this needs role operator');
  return {
    operationId: d.operationId,
    summary: d.summary,
    ...(d.description ? { description: d.description } : {}),
    tags: d.tags,
    ...(d.access === 'open' ? { security: [] } : {}),
    ...(d.params ? { params: d.params } : {}),
    ...(d.querystring ? { querystring: d.querystring } : {}),
    ...(d.headers ? { headers: d.headers } : {}),
    ...(d.body ? { body: d.body } : {}),
    response,
  } as FastifySchema;
}
