import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { until } from '../output/format.js';
import { table } from '../output/table.js';
import type { Prediction } from './views.js';

export const predictionsCommand: Command = {
  name: 'predictions',
  summary: 'predicted failures: rule, host, when, what to do',
  options: {
    host: { type: 'string', value: 'HOST', description: "only this host's" },
    rule: { type: 'string', value: 'RULE', description: 'only this rule' },
    state: { type: 'string', value: 'STATE', description: 'only this state (e.g. active, expired, came_true)' },
    limit: { type: 'string', value: 'N', description: 'at most N (1-1000, default 200)' },
  },
  async run(ctx, { flags }) {
    const limit = flags.limit as string | undefined;
    if (limit !== undefined && !(/^\d+$/.test(limit) && +limit >= 1 && +limit <= 1000)) throw new UsageError(`--limit: must be a number from 1 to 1000 (got ${JSON.stringify(limit)})`);
    const body = await ctx.client().get<{ predictions: Prediction[] }>('/v1/predictions', {
      host: flags.host as string | undefined,
      rule: flags.rule as string | undefined,
      state: flags.state as string | undefined,
      limit,
    });
    if (ctx.out.json) return ctx.out.write(`${JSON.stringify(body, null, 2)}\n`);
    const now = ctx.now();
    const rows = body.predictions.map((p) => [p.id, p.state, p.rule, p.service ? `${p.hostId}/${p.service}` : p.hostId, until(p.predictedFailureAt ?? null, now), String(p.preventiveAction ?? p.summary ?? '')]);
    ctx.out.write(table(['ID', 'STATE', 'RULE', 'HOST', 'FAILS', 'ACTION'], rows, { header: ctx.out.colour.bold }));
    if (body.predictions.length === 0) ctx.out.note('no predictions');
  },
};
