import type { Command } from '../command.js';
import { seg } from '../client.js';
import { UsageError } from '../errors.js';
import { stateColour } from '../output/format.js';
import type { IncidentView } from './views.js';

/** ack, resolve, reopen: one POST each, recorded by the coordinator under the token's name. */
function incidentAction(name: 'ack' | 'resolve' | 'reopen', summary: string, messageRequired: boolean): Command {
  return {
    name,
    args: 'ID',
    positionals: { min: 1, max: 1 },
    completeWith: 'incidents',
    summary,
    options: { message: { type: 'string', short: 'm', value: 'TEXT', description: messageRequired ? 'why (required)' : 'a comment (optional)' } },
    async run(ctx, { positionals, flags }) {
      const comment = (flags.message as string | undefined) ?? '';
      if (messageRequired && comment.trim() === '') throw new UsageError(`${name}: -m TEXT is required (${name === 'resolve' ? 'say how it was resolved' : 'say why it is reopened'})`);
      const body = await ctx.client().post<{ incident: IncidentView }>(`/v1/incidents/${seg(positionals[0]!)}/${name}`, { comment });
      if (ctx.out.json) return ctx.out.write(`${JSON.stringify(body, null, 2)}\n`);
      const i = body.incident;
      const by = name === 'ack' ? i.acknowledgedBy : name === 'resolve' ? i.resolvedBy : null;
      ctx.out.write(`${i.id}: ${stateColour(i.state, ctx.out.colour)}${by ? ` by ${by}` : ''}\n`);
    },
  };
}

export const ackCommand = incidentAction('ack', 'acknowledge an incident: stops its escalation', false);
export const resolveCommand = incidentAction('resolve', 'resolve an incident with a comment saying how', true);
export const reopenCommand = incidentAction('reopen', 'reopen a resolved incident with a comment saying why', true);
