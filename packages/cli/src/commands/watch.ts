import type { Command, Context } from '../command.js';
import { ApiError, CliError, UnreachableError, UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { readText } from '../lines.js';
import type { Palette } from '../output/color.js';
import { SseParser, type SseFrame } from '@vigil/shared/sse';

/** What `data:` holds on /v1/events. */
interface EventData {
  seq: number;
  subject: string;
  at: number;
  payload: { subject?: string; type?: string; data?: Record<string, unknown> } & Record<string, unknown>;
}

/** The host token of a subject (dots in host ids travel as underscores): its last token. */
const hostOfSubject = (subject: string): string => (subject.split('.').at(-1) ?? '').replaceAll('_', '.');

/** A short phrase of what an event says, from the fields Vigil's events carry. */
export function describeEvent(d: EventData): string {
  const data = (d.payload.data ?? d.payload) as Record<string, unknown>;
  const s = (k: string) => (typeof data[k] === 'string' && data[k] !== '' ? (data[k] as string) : undefined);
  if (s('summary')) return s('summary')!;
  // Host events: previousState → state, and why.
  const from = s('previousState') ?? s('from');
  const to = s('state') ?? s('to');
  if (from !== undefined || to !== undefined) return `${from ?? '-'} → ${to ?? '-'}${s('reason') ? `: ${s('reason')}` : ''}`;
  return s('reason') ?? s('detail') ?? s('message') ?? '';
}

function colourOf(event: string, subject: string, c: Palette): (s: string) => string {
  if (/\.(silent|opened|escalated|failed|down)\./.test(subject) || /\.l[23]\./.test(subject)) return c.red;
  if (/\.(suspect|acknowledged)\./.test(subject) || event === 'prediction') return c.yellow;
  if (/\.(online|resolved|recovered|succeeded)\./.test(subject)) return c.green;
  return (x) => x;
}

export const watchCommand: Command = {
  name: 'watch',
  summary: 'follow what happens, live, from /v1/events: hosts going silent, incidents, escalations, actions, predictions',
  details: 'Reconnects by itself and resumes after the last event seen (Last-Event-ID). Ctrl-C ends it (exit 0).\nWith -o json prints one JSON object per line (the data of each event).',
  options: {
    subject: { type: 'string', multiple: true, value: 'PREFIX', description: 'only subjects starting with this, e.g. vigil.v1.incident.' },
    host: { type: 'string', multiple: true, value: 'HOST', description: "only this host's events" },
    since: { type: 'string', value: 'SEQ', description: 'first replay the retained events after this sequence number' },
    count: { type: 'string', value: 'N', description: 'exit after N events' },
  },
  async run(ctx, { flags }) {
    const since = flags.since as string | undefined;
    if (since !== undefined && !/^\d+$/.test(since)) throw new UsageError(`--since: must be an event sequence number (got ${JSON.stringify(since)})`);
    const countText = flags.count as string | undefined;
    if (countText !== undefined && !/^[1-9]\d*$/.test(countText)) throw new UsageError(`--count: must be a positive number (got ${JSON.stringify(countText)})`);
    const hosts = new Set(((flags.host as string[] | undefined) ?? []).map((h) => h.toLowerCase()));
    return follow(ctx, { subjects: (flags.subject as string[] | undefined) ?? [], hosts, since, count: countText === undefined ? Infinity : Number(countText) });
  },
};

async function follow(ctx: Context, o: { subjects: string[]; hosts: Set<string>; since: string | undefined; count: number }): Promise<number> {
  const c = ctx.out.colour;
  let lastId = o.since;
  let seen = 0;
  let failures = 0;
  while (!ctx.signal.aborted) {
    let res: Response;
    try {
      res = await ctx.client().request('GET', '/v1/events', {
        query: { subject: o.subjects.length > 0 ? o.subjects : undefined },
        headers: { accept: 'text/event-stream', ...(lastId !== undefined ? { 'last-event-id': lastId } : {}) },
        stream: true,
        signal: ctx.signal,
      });
    } catch (err) {
      if (ctx.signal.aborted) break;
      // A refusal is final; an unreachable coordinator is waited for, like a dropped stream,
      // and so is a 503: a coordinator that is starting (or restarting under the watch)
      // answers that until it is ready.
      const transient = err instanceof UnreachableError || (err instanceof ApiError && err.status === 503);
      if (!transient || failures >= 1000) throw err;
      failures++;
      ctx.out.note(`vigil: ${(err as Error).message}; retrying`);
      await pause(Math.min(5000, 250 * 2 ** Math.min(failures, 5)), ctx.signal);
      continue;
    }
    if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) throw new CliError(`watch: ${ctx.config().url}/v1/events does not answer an event stream (is the coordinator older than live events?)`, EXIT.API);
    failures = 0;
    ctx.out.note(`vigil: watching ${ctx.config().url}/v1/events${lastId !== undefined ? ` after event ${lastId}` : ''} (Ctrl-C ends)`);
    const parser = new SseParser();
    try {
      for await (const text of readText(res.body!, ctx.signal)) {
        for (const frame of parser.push(text)) {
          lastId = parser.lastEventId ?? lastId;
          if (show(ctx, frame, o.hosts, c)) seen++;
          if (seen >= o.count) return EXIT.OK;
        }
      }
    } catch (err) {
      if (ctx.signal.aborted) break;
      ctx.out.note(`vigil: the event stream broke (${(err as Error).message}); reconnecting`);
      continue;
    }
    if (ctx.signal.aborted) break;
    ctx.out.note('vigil: the event stream ended; reconnecting');
    await pause(250, ctx.signal);
  }
  return EXIT.OK;
}

/** Prints one frame; returns whether it counted as an event shown. */
function show(ctx: Context, frame: SseFrame, hosts: Set<string>, c: Palette): boolean {
  if (frame.event === 'reset') {
    ctx.out.note(`vigil: events were missed (the coordinator no longer holds them): ${frame.data}`);
    return false;
  }
  let d: EventData;
  try {
    d = JSON.parse(frame.data) as EventData;
  } catch {
    ctx.out.note(`vigil: an event whose data is not JSON: ${frame.data.slice(0, 200)}`);
    return false;
  }
  const host = hostOfSubject(d.subject);
  if (hosts.size > 0 && !hosts.has(host)) return false;
  if (ctx.out.json) {
    ctx.out.write(`${JSON.stringify(d)}\n`);
    return true;
  }
  const time = new Date(d.at).toISOString().slice(11, 19);
  const kind = d.subject.split('.').slice(2, -1).join('.');
  ctx.out.write(`${c.dim(time)}  ${colourOf(frame.event, d.subject, c)(kind.padEnd(20))}  ${host.padEnd(20)}  ${describeEvent(d)}\n`);
  return true;
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
