import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, standInApi } from '../test-support/stand-in-api.js';

/**
 * A stand-in API whose /v1/events answers 503 (a coordinator that is starting) `starting`
 * times and then one event; or 403 to everything while `forbid` is set.
 */
let api: Awaited<ReturnType<typeof standInApi>>;
let starting = 0;
let forbid = false;

beforeAll(async () => {
  api = await standInApi((_req, res) => {
    if (forbid) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'FORBIDDEN', message: 'this token may not read events' } }));
      return;
    }
    if (starting > 0) {
      starting--;
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'the coordinator is starting; retry in a second' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const data = { seq: 1, subject: 'vigil.v1.host.silent.app-1', at: new Date().toISOString(), data: { host: { id: 'app-1' } } };
    res.write(`id: 1\nevent: event\ndata: ${JSON.stringify(data)}\n\n`);
  });
});
afterAll(() => api.close());

const run = (args: string[]) => runCli(api.url, args);

describe('cli watch - a coordinator that is starting', () => {
  it('waits through 503 answers and then follows the stream', async () => {
    starting = 2;
    forbid = false;
    const r = await run(['watch', '--count', '1', '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err.match(/the coordinator is starting; retry in a second \(HTTP 503 UNAVAILABLE\); retrying/g)).toHaveLength(2);
    expect(JSON.parse(r.out.trim()) as { subject: string }).toMatchObject({ subject: 'vigil.v1.host.silent.app-1' });
  });

  it('a refusal stays final', async () => {
    starting = 0;
    forbid = true;
    const r = await run(['watch', '--count', '1']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('this token may not read events');
  });
});
