import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '../../../../test/helpers/poll.js';
import { SseClient } from '../../../../test/helpers/sse.js';
import { EventFeed } from '../outbox/event-feed.js';
import { OutboxStore } from '../store/outbox-store.js';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { hashToken } from './auth.js';
import { errorBody, eventFrameData } from './schemas.js';

const VIEWER = 'viewer-token-0123456789ab';

let fx: ApiFixture;
let app: FastifyInstance;
let outbox: OutboxStore;
let feed: EventFeed;
let base: string;
let n = 0;

const add = (subject = 'vigil.v1.host.silent.web-1', size = 0) => {
  n += 1;
  outbox.add(`e${n}`, subject, JSON.stringify({ id: `e${n}`, pad: 'x'.repeat(size) }), Date.parse('2026-12-03T08:00:00Z') + n);
};

/** The suite's SSE client (test/helpers/sse.ts), on this app, as the viewer by default. */
const open = (path: string, headers: Record<string, string> = { authorization: `Bearer ${VIEWER}` }) => new SseClient(`${base}${path}`, headers);

function until(what: string, ok: () => boolean, timeoutMs = 5_000): Promise<true> {
  return waitFor(() => ok() || undefined, { timeoutMs, intervalMs: 10, what });
}

beforeAll(async () => {
  fx = openApiFixture({ name: 'vigil-events-api' });
  outbox = new OutboxStore(fx.db);
  feed = new EventFeed(outbox, { keepAliveMs: 100, stallMs: 300 });
  app = await fx.build({ eventFeed: feed, tokens: [{ name: 'grafana', role: 'viewer', sha256: hashToken(VIEWER) }] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await fx.close();
});

describe('GET /v1/events', () => {
  it('events api - refuses a request without a token (401) and bad resume points or subjects (400, naming them)', async () => {
    const anon = await app.inject({ method: 'GET', url: '/v1/events' });
    expect(anon.statusCode).toBe(401);
    expect(errorBody.parse(anon.json()).error.code).toBe('UNAUTHENTICATED');
    const auth = { authorization: `Bearer ${VIEWER}` };
    const badHeader = await app.inject({ method: 'GET', url: '/v1/events', headers: { ...auth, 'last-event-id': 'abc' } });
    expect(badHeader.statusCode).toBe(400);
    expect(badHeader.json().error.message).toContain('Last-Event-ID');
    const badSince = await app.inject({ method: 'GET', url: '/v1/events?since=-1', headers: auth });
    expect(badSince.statusCode).toBe(400);
    expect(badSince.json().error.message).toContain('since');
    const badSubject = await app.inject({ method: 'GET', url: '/v1/events?subject=foo.>', headers: auth });
    expect(badSubject.statusCode).toBe(400);
    expect(badSubject.json().error.message).toContain('subject');
    const unknown = await app.inject({ method: 'GET', url: '/v1/events?from=1', headers: auth });
    expect(unknown.statusCode).toBe(400);
  });

  it('events api - streams events as they are stored, and a reconnect with Last-Event-ID resumes without gap or duplicate', async () => {
    add();
    const first = open('/v1/events');
    await until('the stream to open', () => first.status === 200 && first.frames.length > 0);
    add('vigil.v1.incident.opened.web-1');
    add();
    await until('two events', () => first.ids().length === 2);
    const [a, b] = first.frames.filter((f) => f.id);
    expect(a!.event).toBe('incident');
    const data = eventFrameData.parse(JSON.parse(a!.data!));
    expect(data).toMatchObject({ seq: Number(a!.id), subject: 'vigil.v1.incident.opened.web-1', payload: { id: `e${n - 1}` } });
    expect(b!.event).toBe('host');
    const last = first.ids().at(-1)!;
    first.close();
    await until('the server to forget the client', () => feed.size === 0);
    // Missed while away.
    add();
    add('vigil.v1.prediction.disk_full.web-1');
    const again = open('/v1/events', { authorization: `Bearer ${VIEWER}`, 'last-event-id': String(last) });
    await until('the missed events', () => again.ids().length === 2);
    add();
    await until('a live one', () => again.ids().length === 3);
    expect(again.ids()).toEqual([last + 1, last + 2, last + 3]);
    again.close();
  });

  it('events api - ?since and ?subject: replays only the wanted subjects after the given id', async () => {
    const since = outbox.bounds().latest;
    add('vigil.v1.host.online.a');
    add('vigil.v1.incident.resolved.a');
    const c = open(`/v1/events?since=${since}&subject=vigil.v1.incident.`);
    await until('one frame', () => c.ids().length === 1);
    expect(c.frames.find((f) => f.id)!.event).toBe('incident');
    expect(c.ids()).toEqual([since + 2]);
    c.close();
  });

  it('events api - sends keep-alive comments on an idle stream', async () => {
    const c = open('/v1/events');
    await until('two keep-alives', () => c.frames.filter((f) => f.comment === 'keep-alive').length >= 2);
    c.close();
  });

  it('events api - a client that stops reading is disconnected once its socket stays full for the stall time; a reading one gets every event', async () => {
    await until('no clients', () => feed.size === 0);
    // A raw socket that never reads after the request: the server's buffers fill up.
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${VIEWER}\r\n\r\n`);
    await until('the server to take the client', () => feed.size === 1);
    socket.pause();
    const reader = open('/v1/events');
    await until('a second, reading client', () => feed.size === 2);
    // Far more than the socket buffers of loopback hold, in 8 KiB events.
    for (let i = 0; i < 4_000 && feed.size === 2; i++) {
      add('vigil.v1.host.online.b', 8 * 1024);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await until('the slow client to be dropped', () => feed.size === 1, 10_000);
    socket.destroy();
    // The reading client got every event.
    const latest = outbox.bounds().latest;
    await until('the reader to get all', () => reader.ids().at(-1) === latest, 10_000);
    const ids = reader.ids();
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => ids[0]! + i));
    reader.close();
  });
});
