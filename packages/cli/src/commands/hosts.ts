import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ago, labelsText, stateColour } from '../output/format.js';
import { table } from '../output/table.js';
import type { HostSummary } from './views.js';

const STATES = ['online', 'suspect', 'silent', 'left'];

export const hostsCommand: Command = {
  name: 'hosts',
  summary: 'list the fleet: state, since when, last heard from, labels, services',
  options: {
    state: { type: 'string', multiple: true, value: 'STATE', description: 'only hosts in this state: online, suspect, silent, left (or a comma list)', choices: STATES },
    label: { type: 'string', multiple: true, value: 'KEY=VALUE', description: 'only hosts with this label' },
    zone: { type: 'string', value: 'ZONE', description: "only hosts in this zone (the coordinator's zone label)" },
    connected: { type: 'boolean', description: 'only hosts whose agent is connected now' },
    disconnected: { type: 'boolean', description: 'only hosts whose agent is not connected' },
  },
  async run(ctx, { flags }) {
    const states = ((flags.state as string[] | undefined) ?? []).flatMap((s) => s.split(',')).filter(Boolean);
    for (const s of states) if (!STATES.includes(s)) throw new UsageError(`--state: must be one of ${STATES.join(', ')} (got ${JSON.stringify(s)})`);
    const labels = (flags.label as string[] | undefined) ?? [];
    for (const l of labels) if (!/^[^=]+=/.test(l)) throw new UsageError(`--label: must be KEY=VALUE (got ${JSON.stringify(l)})`);
    if (flags.connected && flags.disconnected) throw new UsageError('--connected and --disconnected: give at most one');
    const body = await ctx.client().get<{ hosts: HostSummary[] }>('/v1/hosts', {
      state: states.length > 0 ? states.join(',') : undefined,
      label: labels,
      zone: flags.zone as string | undefined,
      connected: flags.connected ? 'true' : flags.disconnected ? 'false' : undefined,
    });
    if (ctx.out.json) return ctx.out.write(`${JSON.stringify(body, null, 2)}\n`);
    const c = ctx.out.colour;
    const now = ctx.now();
    const rows = body.hosts.map((h) => [
      h.id,
      stateColour(h.state, c),
      ago(h.stateSince, now),
      ago(h.lastSeen, now),
      h.connected ? 'yes' : c.dim('no'),
      labelsText(h.labels),
      h.services.map((s) => s.name).join(',') || '-',
    ]);
    ctx.out.write(table(['HOST', 'STATE', 'SINCE', 'LAST SEEN', 'AGENT', 'LABELS', 'SERVICES'], rows, { header: c.bold }));
    if (body.hosts.length === 0) ctx.out.note('no hosts match');
  },
};
