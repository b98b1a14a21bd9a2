import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ago, stateColour } from '../output/format.js';
import { table } from '../output/table.js';
import type { IncidentView } from './views.js';

export const PROBLEM_CLASSES = ['network_issue', 'server_hardware_issue', 'service_failure', 'partial_failure', 'agent_failure', 'observer_partition'];
const STATES = ['open', 'acknowledged', 'resolved'];

export const incidentsCommand: Command = {
  name: 'incidents',
  summary: 'list incidents, newest first',
  options: {
    open: { type: 'boolean', description: 'only open ones (not acknowledged, not resolved)' },
    state: { type: 'string', value: 'STATE', description: 'only this state: open, acknowledged, resolved', choices: STATES },
    host: { type: 'string', value: 'HOST', description: "only this host's (and the zone and observer incidents that explain them)" },
    class: { type: 'string', value: 'CLASS', description: `only this class: ${PROBLEM_CLASSES.join(', ')}`, choices: PROBLEM_CLASSES },
    level: { type: 'string', value: 'N', description: 'only this escalation level (1-3)', choices: ['1', '2', '3'] },
    limit: { type: 'string', value: 'N', description: 'at most N (1-1000)' },
  },
  async run(ctx, { flags }) {
    if (flags.open && flags.state !== undefined && flags.state !== 'open') throw new UsageError(`--open and --state ${flags.state}: give one`);
    const state = flags.open ? 'open' : (flags.state as string | undefined);
    if (state !== undefined && !STATES.includes(state)) throw new UsageError(`--state: must be one of ${STATES.join(', ')} (got ${JSON.stringify(state)})`);
    const cls = flags.class as string | undefined;
    if (cls !== undefined && !PROBLEM_CLASSES.includes(cls)) throw new UsageError(`--class: must be one of ${PROBLEM_CLASSES.join(', ')} (got ${JSON.stringify(cls)})`);
    const level = flags.level as string | undefined;
    if (level !== undefined && !/^[123]$/.test(level)) throw new UsageError(`--level: must be 1, 2 or 3 (got ${JSON.stringify(level)})`);
    const limit = flags.limit as string | undefined;
    if (limit !== undefined && !(/^\d+$/.test(limit) && +limit >= 1 && +limit <= 1000)) throw new UsageError(`--limit: must be a number from 1 to 1000 (got ${JSON.stringify(limit)})`);
    const body = await ctx.client().get<{ incidents: IncidentView[] }>('/v1/incidents', { state, host: flags.host as string | undefined, class: cls, level, limit });
    if (ctx.out.json) return ctx.out.write(`${JSON.stringify(body, null, 2)}\n`);
    const c = ctx.out.colour;
    const now = ctx.now();
    const rows = body.incidents.map((i) => [
      i.id,
      stateColour(i.state, c) + (i.silenced ? c.dim(' (silenced)') : ''),
      `L${i.level}`,
      i.class,
      i.service ? `${i.hostId}/${i.service}` : i.hostId,
      ago(i.openedAt, now),
      i.summary,
    ]);
    ctx.out.write(table(['ID', 'STATE', 'LEVEL', 'CLASS', 'HOST', 'OPENED', 'SUMMARY'], rows, { header: c.bold }));
    if (body.incidents.length === 0) ctx.out.note('no incidents match');
  },
};
