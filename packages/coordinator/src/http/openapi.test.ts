import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { installOpenApi } from './routes/openapi.js';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';

const run = promisify(execFile);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  operationId?: string;
  security?: unknown[];
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
}

let fx: ApiFixture;
let app: FastifyInstance;
let doc: { openapi: string; paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>> };

beforeAll(async () => {
  fx = openApiFixture({ name: 'vigil-openapi' });
  app = await fx.build();
  const res = await app.inject({ url: '/openapi.json' });
  expect(res.statusCode, res.body).toBe(200);
  doc = res.json();
});
afterAll(async () => {
  await fx.close();
});

/** The document's operations, as `METHOD /path`. */
function operations(): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => [`${m.toUpperCase()} ${path}`, item[m]!] as [string, Operation]));
}

const OPEN = new Set(['GET /healthz', 'GET /readyz']);
const OPERATOR = new Set([
  'DELETE /v1/hosts/{id}',
  'POST /v1/hosts/{id}/diagnose',
  'POST /v1/hosts/{id}/services/{name}/restart',
  'POST /v1/hosts/{id}/services/{name}/reset-budget',
  'POST /v1/incidents/{id}/ack',
  'POST /v1/incidents/{id}/resolve',
  'POST /v1/incidents/{id}/reopen',
  'POST /v1/silences',
  'DELETE /v1/silences/{id}',
]);

describe('openapi document', () => {
  // @fastify/swagger lists every route (none is hidden): one declared without a schema
  // shows up here with no operationId and a "Default Response".
  it('openapi - lists every route, each with an operationId and a response schema for each answer', () => {
    const ops = operations();
    expect(ops.map(([k]) => k)).toEqual(expect.arrayContaining([...OPEN, ...OPERATOR, 'GET /metrics', 'GET /openapi.json', 'GET /v1/events', 'GET /v1/hosts', 'GET /v1/hosts/{id}', 'GET /v1/hosts/{id}/series', 'GET /v1/incidents', 'GET /v1/incidents/{id}', 'GET /v1/silences', 'GET /v1/predictions']));
    console.log(`[measure] openapi operations: ${ops.length}`);
    const ids = ops.map(([, o]) => o.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id)), JSON.stringify(ids)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [key, op] of ops) {
      for (const [status, r] of Object.entries(op.responses)) {
        expect(r.description, `${key} ${status}`).not.toBe('Default Response');
        if (status === '204') continue;
        const media = Object.values(r.content ?? {});
        expect(media.length, `${key} ${status} has content`).toBeGreaterThan(0);
        expect(media.every((m) => m.schema !== undefined), `${key} ${status} has a schema`).toBe(true);
      }
    }
  });

  it('openapi - 401 on every route that takes a token, 403 on every operator route, none on the probes', () => {
    for (const [key, op] of operations()) {
      const statuses = Object.keys(op.responses);
      if (OPEN.has(key)) {
        expect(op.security, key).toEqual([]);
        expect(statuses, key).not.toContain('401');
        continue;
      }
      expect(statuses, key).toContain('401');
      if (OPERATOR.has(key)) expect(statuses, key).toContain('403');
      else expect(statuses, key).not.toContain('403');
    }
  });

  it('openapi - routes outside the API (the dashboard\'s files) are left out of the document; API routes without a schema are not', async () => {
    const other = Fastify();
    await installOpenApi(other, '0.0.0');
    other.get('/', async () => 'index');
    other.get('/assets/*', async () => 'file');
    other.get('/v1/undocumented', async () => ({}));
    await other.ready();
    const paths = Object.keys((other.swagger() as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(['/v1/undocumented']);
    await other.close();
  });

  it('openapi - @redocly/cli lint reports no errors', async () => {
    const file = join(fx.dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const bin = join(createRequire(import.meta.url).resolve('@redocly/cli/package.json'), '..', 'bin', 'cli.js');
    const out = await run(process.execPath, [bin, 'lint', file, '--format=json'], {
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    }).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }));
    const report = JSON.parse(out.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[] };
    const errors = report.problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    expect(errors).toEqual([]);
    expect(report.totals.errors).toBe(0);
    console.log(`[measure] redocly lint: ${report.totals.errors} errors, ${report.totals.warnings} warnings`);
  }, 90_000);
});
