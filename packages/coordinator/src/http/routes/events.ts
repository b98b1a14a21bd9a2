import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { VigilError } from '@vigil/shared';
import type { EventFeed, FeedSink } from '../../outbox/event-feed.js';
import { z } from 'zod';
import { routeSchema } from '../route-docs.js';
import { eventsQuery } from '../schemas.js';
import { parseInput } from '../validate.js';

/** A response as a feed sink: `buffered` counts what node and the socket hold unsent. */
export function responseSink(res: ServerResponse): FeedSink {
  return {
    write: (chunk) => res.write(chunk),
    get buffered() {
      // OutgoingMessage counts its own queue and its socket's.
      return res.writableLength;
    },
    onceDrained: (cb) => void res.once('drain', cb),
    end: () => {
      // A slow client's socket is full: end() would wait behind its buffer, destroy does not.
      res.destroy();
    },
  };
}

/** The Last-Event-ID header as a seq; an empty one is absent, anything but digits a 400 naming it. */
function lastEventId(raw: string | string[] | undefined): number | undefined {
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || v.trim() === '') return undefined;
  if (!/^\d{1,15}$/.test(v.trim())) throw new VigilError('BAD_REQUEST', `Last-Event-ID: must be an event id (a whole number) as sent in "id:" (got ${JSON.stringify(v.slice(0, 40))})`);
  return Number(v.trim());
}

/**
 * `GET /v1/events`: the outbox as Server-Sent Events (contract in docs/architecture.md).
 * The reply is hijacked: fastify neither serialises nor times it, and the feed owns it
 * until the client goes or is dropped.
 */
export const eventRoutes: FastifyPluginAsync<{ feed: EventFeed | undefined }> = async (app, { feed }) => {
  const schema = routeSchema({
    operationId: 'streamEvents',
    summary: 'Server-Sent Events: every event the coordinator stores, live; resumable with Last-Event-ID or ?since=',
    description:
      'Each frame: `id: <seq>`, `event: <host|incident|escalation|action|prediction|service|...>`, `data: {"seq","subject","at","payload"}` (schema eventFrameData). ' +
      'A resume point older than the store keeps first gets `event: reset` with `{"reason":"gap"|"ahead","oldest":<seq>}`. A `: keep-alive` comment comes every 15 s. ' +
      'A client that stops reading is disconnected.',
    tags: ['events'],
    access: 'viewer',
    querystring: eventsQuery,
    headers: z.object({ 'last-event-id': z.string().optional().describe('resume after this event id (sent by EventSource on reconnect)') }),
    ok: { 200: { description: 'the event stream', content: { 'text/event-stream': { schema: z.string() } } } },
    errors: { 400: 'bad Last-Event-ID, since or subject', 503: 'the stream is not enabled' },
  });
  app.get('/v1/events', { schema }, async (req, reply) => {
    if (!feed) throw new VigilError('UNAVAILABLE', 'the event stream is not enabled on this coordinator');
    const q = parseInput(eventsQuery, req.query, 'query');
    const header = lastEventId(req.headers['last-event-id']);
    // The header is what a browser's EventSource sends on reconnect: it wins over ?since.
    const after = header ?? q.since;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told not to.
      'x-accel-buffering': 'no',
    });
    // Sent at once so the client sees the stream open; `retry` is how long EventSource waits to reconnect.
    res.write('retry: 2000\n\n');
    const sub = feed.subscribe(responseSink(res), {
      ...(after !== undefined ? { after } : {}),
      subjects: q.subject ?? [],
      ended: (why) => {
        if (why === 'slow') req.log.warn({ event: 'sse_client_dropped', source: req.ip }, 'event stream client dropped: it did not read its events fast enough; it resumes with Last-Event-ID');
      },
    });
    res.on('close', () => sub.close());
  });

  // A stream never ends by itself: close them before the server waits for its connections.
  app.addHook('preClose', async () => feed?.close());
};
