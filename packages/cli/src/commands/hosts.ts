import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ago, labelsText, stateColour } from '../output/format.js';
import { table } from '../output/table.js';
import type { Palette } from '../output/color.js';
import type { HostSummary } from './views.js';

interface HostPage {
  hosts: HostSummary[];
  total?: number;
  nextCursor?: string;
}

/** `web:running,db:failed` from the fleet summary; the declared names on an older coordinator. */
function servicesText(h: HostSummary, c: Palette): string {
  const live = h.summary?.services;
  if (live && live.length > 0) return live.map((s) => `${s.name}:${s.exhausted ? c.red('spent') : stateColour(s.state, c)}`).join(',');
  return h.services.map((s) => s.name).join(',') || '-';
}

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
    search: { type: 'string', short: 'q', value: 'TEXT', description: 'only hosts whose id or hostname contains TEXT' },
    limit: { type: 'string', value: 'N', description: 'at most N hosts (by id); without it every page is fetched' },
  },
  async run(ctx, { flags }) {
    const states = ((flags.state as string[] | undefined) ?? []).flatMap((s) => s.split(',')).filter(Boolean);
    for (const s of states) if (!STATES.includes(s)) throw new UsageError(`--state: must be one of ${STATES.join(', ')} (got ${JSON.stringify(s)})`);
    const labels = (flags.label as string[] | undefined) ?? [];
    for (const l of labels) if (!/^[^=]+=/.test(l)) throw new UsageError(`--label: must be KEY=VALUE (got ${JSON.stringify(l)})`);
    if (flags.connected && flags.disconnected) throw new UsageError('--connected and --disconnected: give at most one');
    const limitText = flags.limit as string | undefined;
    if (limitText !== undefined && !(/^\d+$/.test(limitText) && +limitText >= 1 && +limitText <= 5000)) throw new UsageError(`--limit: must be a number from 1 to 5000 (got ${JSON.stringify(limitText)})`);
    const query = {
      state: states.length > 0 ? states.join(',') : undefined,
      label: labels,
      zone: flags.zone as string | undefined,
      connected: flags.connected ? 'true' : flags.disconnected ? 'false' : undefined,
      q: flags.search as string | undefined,
      limit: limitText,
    };
    // Pages by cursor until the last one, unless a limit asks for one page.
    const body: HostPage = await ctx.client().get<HostPage>('/v1/hosts', query);
    for (let cursor = body.nextCursor; cursor !== undefined && limitText === undefined; ) {
      const next: HostPage = await ctx.client().get<HostPage>('/v1/hosts', { ...query, cursor });
      body.hosts.push(...next.hosts);
      cursor = next.nextCursor;
    }
    if (limitText === undefined) delete body.nextCursor;
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
      String(h.summary?.openIncidents.length ?? '-'),
      servicesText(h, c),
    ]);
    ctx.out.write(table(['HOST', 'STATE', 'SINCE', 'LAST SEEN', 'AGENT', 'LABELS', 'INCIDENTS', 'SERVICES'], rows, { header: c.bold }));
    if (body.hosts.length === 0) ctx.out.note('no hosts match');
    else if (body.total !== undefined && body.total > body.hosts.length) ctx.out.note(`${body.hosts.length} of ${body.total} hosts shown (--limit)`);
  },
};
