import type { Command } from '../command.js';
import { seg } from '../client.js';
import { UsageError } from '../errors.js';
import { until } from '../output/format.js';
import { table } from '../output/table.js';
import { PROBLEM_CLASSES } from './incidents.js';
import type { Silence } from './views.js';

export const silenceListCommand: Command = {
  name: 'silence list',
  summary: 'list active silences',
  async run(ctx) {
    const body = await ctx.client().get<{ silences: Silence[] }>('/v1/silences');
    if (ctx.out.json) return ctx.out.write(`${JSON.stringify(body, null, 2)}\n`);
    const now = ctx.now();
    const rows = body.silences.map((s) => [s.id, s.host ?? '*', s.service ?? '*', s.class ?? '*', until(s.endsAt, now), s.createdBy, s.comment]);
    ctx.out.write(table(['ID', 'HOST', 'SERVICE', 'CLASS', 'ENDS', 'BY', 'COMMENT'], rows, { header: ctx.out.colour.bold }));
    if (body.silences.length === 0) ctx.out.note('no active silences');
  },
};

export const silenceAddCommand: Command = {
  name: 'silence add',
  summary: 'quiet paging for a host, service or class for a while (everything is still recorded)',
  details: 'Example: vigil silence add --host web-1 --for 2h -m "disk swap, ticket OPS-12"',
  options: {
    host: { type: 'string', value: 'HOST', description: 'silence this host' },
    service: { type: 'string', value: 'SERVICE', description: 'silence this service' },
    class: { type: 'string', value: 'CLASS', description: 'silence this problem class', choices: PROBLEM_CLASSES },
    for: { type: 'string', value: 'DURATION', description: 'how long: 30m, 2h, 1d (at most 365d)' },
    until: { type: 'string', value: 'TIME', description: 'instead of --for: an ISO time with offset, e.g. 2026-12-04T08:00:00Z' },
    starts: { type: 'string', value: 'TIME', description: 'an ISO time it starts at (default now)' },
    message: { type: 'string', short: 'm', value: 'TEXT', description: 'why (required)' },
  },
  async run(ctx, { flags }) {
    const f = flags as Record<string, string | undefined>;
    if (!f.host && !f.service && !f.class) throw new UsageError('silence add: name at least one of --host, --service, --class');
    if ((f.for === undefined) === (f.until === undefined)) throw new UsageError('silence add: give exactly one of --for and --until');
    if (!f.message?.trim()) throw new UsageError('silence add: -m TEXT is required (say why)');
    if (f.class !== undefined && !PROBLEM_CLASSES.includes(f.class)) throw new UsageError(`--class: must be one of ${PROBLEM_CLASSES.join(', ')} (got ${JSON.stringify(f.class)})`);
    const body = await ctx.client().post<{ silence: Silence }>('/v1/silences', {
      ...(f.host ? { host: f.host } : {}),
      ...(f.service ? { service: f.service } : {}),
      ...(f.class ? { class: f.class } : {}),
      ...(f.for ? { duration: f.for } : {}),
      ...(f.until ? { endsAt: f.until } : {}),
      ...(f.starts ? { startsAt: f.starts } : {}),
      comment: f.message,
    });
    if (ctx.out.json) return ctx.out.write(`${JSON.stringify(body, null, 2)}\n`);
    ctx.out.write(`${body.silence.id}: until ${body.silence.endsAt}\n`);
  },
};

export const silenceRmCommand: Command = {
  name: 'silence rm',
  args: 'ID',
  positionals: { min: 1, max: 1 },
  completeWith: 'silences',
  summary: 'end a silence now',
  async run(ctx, { positionals }) {
    await ctx.client().delete(`/v1/silences/${seg(positionals[0]!)}`);
    if (ctx.out.json) return ctx.out.write(`${JSON.stringify({ removed: positionals[0] })}\n`);
    ctx.out.write(`${positionals[0]}: ended\n`);
  },
};
