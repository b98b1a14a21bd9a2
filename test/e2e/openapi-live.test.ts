import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { fixture, killServiceLeftovers, startServiceAgent } from '../helpers/services.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

const VIEWER = 'viewer-token-openapi-0123456789';
const OPERATOR = 'operator-token-openapi-0123456789';
const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${base}${path}`, { method, timeout: 5000, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(data ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * Live answers of a real coordinator checked against its own /openapi.json: each answer's
 * status must be documented for its operation, and a JSON body must match the schema the
 * document gives for that status. A field a route returns and the document lacks (or the
 * other way round, for required ones) fails here.
 */
describe('openapi - live answers match the document', () => {
  let coordinator: Coordinator;
  let doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const compiled = new Map<string, ValidateFunction>();
  const checked: string[] = [];
  dumpLogsOnFailure();

  beforeAll(async () => {
    const dir = tempDir('openapi-live');
    const tokens = join(dir, 'tokens');
    writeFileSync(tokens, `dash viewer ${sha(VIEWER)}\nops operator ${sha(OPERATOR)}\n`);
    coordinator = await Coordinator.start({ nats: 'none', logLevel: 'warn', extraArgs: ['--tokens-file', tokens] });
  });
  afterAll(async () => {
    await stopAllChildren(5000);
    killServiceLeftovers();
    removeTempDirs();
  });

  /** Calls the API and checks the answer against the operation `METHOD /template`. */
  async function check(method: string, template: string, path: string, token: string | undefined, expectStatus: number, body?: unknown): Promise<Answer> {
    const a = await call(coordinator.baseUrl, method, path, token, body);
    expect(a.status, `${method} ${path}: ${a.body.slice(0, 300)}`).toBe(expectStatus);
    const op = doc.paths[template]?.[method.toLowerCase()];
    expect(op, `${method} ${template} in the document`).toBeDefined();
    const response = op!.responses[String(a.status)];
    expect(response, `${method} ${template} documents ${a.status}`).toBeDefined();
    if (a.status === 204) {
      expect(a.body).toBe('');
    } else {
      const media = a.contentType.split(';')[0]!.trim();
      const content = response!.content?.[media];
      expect(content, `${method} ${template} ${a.status} documents ${media}`).toBeDefined();
      if (media === 'application/json') {
        const key = `${method} ${template} ${a.status}`;
        let validate = compiled.get(key);
        if (!validate) compiled.set(key, (validate = ajv.compile(content!.schema)));
        const ok = validate(JSON.parse(a.body));
        expect(ok, `${key}: ${ajv.errorsText(validate.errors)}\n${a.body.slice(0, 1000)}`).toBe(true);
      }
    }
    checked.push(`${method} ${template} ${a.status}`);
    return a;
  }

  it('openapi live - every read, change and error answer of a coordinator with a host, a service, a silence and an incident', async () => {
    const docAnswer = await call(coordinator.baseUrl, 'GET', '/openapi.json', VIEWER);
    expect(docAnswer.status).toBe(200);
    doc = JSON.parse(docAnswer.body);
    await check('GET', '/openapi.json', '/openapi.json', VIEWER, 200);

    const port = await freePort();
    const agent = startServiceAgent(coordinator.baseUrl, {
      coordinator: coordinator.grpcTarget,
      hostId: 'live-1',
      logLevel: 'warn',
      services: [{ name: 'web', manager: 'process', command: [process.execPath, fixture.httpServer], env: { PORT: String(port) }, checks: [{ type: 'tcp', port, timeout: '1s' }] }],
    });
    await waitFor(
      async () => {
        const a = await call(coordinator.baseUrl, 'GET', '/v1/hosts/live-1', VIEWER);
        return a.status === 200 && (JSON.parse(a.body) as { host: { serviceStatus: unknown[]; events: unknown[] } }).host.serviceStatus.length > 0 ? a : undefined;
      },
      { timeoutMs: 15_000, what: 'the host with its service status' },
    );

    await check('GET', '/healthz', '/healthz', undefined, 200);
    await check('GET', '/readyz', '/readyz', undefined, 200);
    await check('GET', '/metrics', '/metrics', VIEWER, 200);
    await check('GET', '/v1/hosts', '/v1/hosts', VIEWER, 200);
    await check('GET', '/v1/hosts', '/v1/hosts?limit=1&state=online&q=live', VIEWER, 200);
    await check('GET', '/v1/hosts', '/v1/hosts?state=down', VIEWER, 400);
    await check('GET', '/v1/hosts', '/v1/hosts', undefined, 401);
    await check('GET', '/v1/hosts/{id}', '/v1/hosts/live-1', VIEWER, 200);
    await check('GET', '/v1/hosts/{id}', '/v1/hosts/nope-1', VIEWER, 404);
    await check('GET', '/v1/hosts/{id}/series', '/v1/hosts/live-1/series?metric=memory', VIEWER, 200);
    await check('GET', '/v1/hosts/{id}/series', '/v1/hosts/live-1/series?metric=cpu', VIEWER, 400);
    await check('DELETE', '/v1/hosts/{id}', '/v1/hosts/live-1', VIEWER, 403);
    await check('DELETE', '/v1/hosts/{id}', '/v1/hosts/live-1', OPERATOR, 409);
    await check('POST', '/v1/hosts/{id}/services/{name}/restart', '/v1/hosts/live-1/services/nope/restart', OPERATOR, 404, {});
    await check('GET', '/v1/incidents', '/v1/incidents', VIEWER, 200);
    await check('GET', '/v1/incidents', '/v1/incidents?level=9', VIEWER, 400);
    await check('GET', '/v1/incidents/{id}', '/v1/incidents/inc-nope', VIEWER, 404);
    await check('POST', '/v1/incidents/{id}/ack', '/v1/incidents/inc-nope/ack', OPERATOR, 404, {});
    await check('GET', '/v1/predictions', '/v1/predictions', VIEWER, 200);
    await check('GET', '/v1/events', '/v1/events?since=x', VIEWER, 400);
    const created = await check('POST', '/v1/silences', '/v1/silences', OPERATOR, 201, { host: 'live-1', duration: '1h', comment: 'maintenance' });
    await check('POST', '/v1/silences', '/v1/silences', OPERATOR, 400, { host: 'live-1', comment: 'no end' });
    await check('POST', '/v1/silences', '/v1/silences', VIEWER, 403, { host: 'live-1', duration: '1h', comment: 'x' });
    await check('GET', '/v1/silences', '/v1/silences', VIEWER, 200);
    const id = (JSON.parse(created.body) as { silence: { id: string } }).silence.id;
    await check('DELETE', '/v1/silences/{id}', `/v1/silences/${id}`, OPERATOR, 204);
    await check('DELETE', '/v1/silences/{id}', `/v1/silences/${id}`, OPERATOR, 404);

    // An incident with its diagnosis: the agent is killed, the host goes silent.
    await agent.agent.kill();
    const incident = await waitFor(
      async () => {
        const a = await call(coordinator.baseUrl, 'GET', '/v1/incidents?host=live-1', VIEWER);
        return (JSON.parse(a.body) as { incidents: { id: string }[] }).incidents[0];
      },
      { timeoutMs: 30_000, what: 'an incident for the killed agent' },
    );
    await check('GET', '/v1/incidents', '/v1/incidents', VIEWER, 200);
    await check('GET', '/v1/incidents/{id}', `/v1/incidents/${incident.id}`, VIEWER, 200);
    await check('GET', '/v1/hosts', '/v1/hosts?state=silent', VIEWER, 200);
    await check('GET', '/v1/hosts/{id}', '/v1/hosts/live-1', VIEWER, 200);
    await check('POST', '/v1/incidents/{id}/ack', `/v1/incidents/${incident.id}/ack`, OPERATOR, 200, { comment: 'looking' });
    await check('POST', '/v1/incidents/{id}/ack', `/v1/incidents/${incident.id}/ack`, OPERATOR, 409, {});
    await check('POST', '/v1/incidents/{id}/resolve', `/v1/incidents/${incident.id}/resolve`, OPERATOR, 200, { comment: 'agent restarted by hand' });
    await check('POST', '/v1/incidents/{id}/reopen', `/v1/incidents/${incident.id}/reopen`, OPERATOR, 200, { comment: 'not fixed' });
    await check('POST', '/v1/incidents/{id}/resolve', `/v1/incidents/${incident.id}/resolve`, VIEWER, 403, { comment: 'x' });
    await check('POST', '/v1/hosts/{id}/services/{name}/restart', '/v1/hosts/live-1/services/web/restart', OPERATOR, 409, {});

    // The stream: headers as documented (its frames are checked in events-stream.test.ts).
    const stream = await new Promise<{ status: number; type: string }>((resolve, reject) => {
      const req = request(`${coordinator.baseUrl}/v1/events`, { headers: { authorization: `Bearer ${VIEWER}` } }, (res) => {
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']) });
        res.destroy();
      });
      req.on('error', reject);
      req.end();
    });
    expect(stream.status).toBe(200);
    expect(Object.keys(doc.paths['/v1/events']!.get!.responses['200']!.content!)).toEqual([stream.type.split(';')[0]]);
    console.log(`[measure] openapi live answers checked: ${checked.length}`);
  });
});
