import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, standInApi } from '../test-support/stand-in-api.js';

/** A stand-in API that answers GET /v1/hosts in pages of two, by cursor, recording each query. */
let api: Awaited<ReturnType<typeof standInApi>>;
const asked: string[] = [];
const host = (id: string) => ({ id, state: 'online', stateSince: new Date().toISOString(), lastSeen: null, connected: true, hostname: id, agentVersion: '0', labels: {}, services: [] });
const ids = ['a-1', 'a-2', 'b-1', 'b-2', 'c-1'];

beforeAll(async () => {
  api = await standInApi((req, res) => {
    const u = new URL(req.url!, 'http://x');
    asked.push(u.search);
    const from = Number(u.searchParams.get('cursor') ?? 0);
    const size = Number(u.searchParams.get('limit') ?? 2);
    const page = ids.slice(from, from + size);
    const next = from + size < ids.length ? String(from + size) : undefined;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ hosts: page.map(host), total: ids.length, ...(next ? { nextCursor: next } : {}) }));
  });
});
afterAll(() => api.close());

const run = (args: string[]) => runCli(api.url, args);

describe('cli hosts - pages', () => {
  it('follows nextCursor to the last page and prints every host once', async () => {
    asked.length = 0;
    const r = await run(['hosts', '-o', 'json', '--state', 'online']);
    expect(r.code, r.err).toBe(0);
    const body = JSON.parse(r.out) as { hosts: { id: string }[]; nextCursor?: string; total: number };
    expect(body.hosts.map((h) => h.id)).toEqual(ids);
    expect(body.nextCursor).toBeUndefined();
    expect(asked).toEqual(['?state=online', '?state=online&cursor=2', '?state=online&cursor=4']);
  });

  it('--limit asks for one page and says how many are left out', async () => {
    asked.length = 0;
    const r = await run(['hosts', '--limit', '3']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').slice(1).map((l) => l.split(' ')[0])).toEqual(['a-1', 'a-2', 'b-1']);
    expect(r.err).toContain('3 of 5 hosts shown');
    expect(asked).toEqual(['?limit=3']);
  });
});
