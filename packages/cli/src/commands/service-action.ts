import type { Command } from '../command.js';
import { seg } from '../client.js';

/** The operator actions the API forwards to a host's agent. */
function serviceAction(name: 'restart' | 'reset-budget', summary: string): Command {
  return {
    name: `service ${name}`,
    args: 'HOST SERVICE',
    positionals: { min: 2, max: 2 },
    completeWith: 'hosts',
    summary,
    options: { reason: { type: 'string', short: 'm', value: 'TEXT', description: 'why, journaled with the action' } },
    async run(ctx, { positionals, flags }) {
      const [host, service] = positionals as [string, string];
      const reason = flags.reason as string | undefined;
      const body = await ctx.client().post<{ requestId: string; detail: string; requestedBy: string }>(`/v1/hosts/${seg(host)}/services/${seg(service)}/${name}`, reason ? { reason } : {});
      if (ctx.out.json) return ctx.out.write(`${JSON.stringify(body, null, 2)}\n`);
      ctx.out.write(`${host}/${service}: ${name} accepted (request ${body.requestId}, by ${body.requestedBy})${body.detail ? `: ${body.detail}` : ''}\n`);
    },
  };
}

export const serviceRestartCommand = serviceAction('restart', "restart a host's service now, outside its restart budget");
export const serviceResetBudgetCommand = serviceAction('reset-budget', "give a service its restart budget back, so the agent recovers it on its own again");

export const hostRemoveCommand: Command = {
  name: 'host-rm',
  args: 'ID',
  positionals: { min: 1, max: 1 },
  completeWith: 'hosts',
  summary: 'remove a host that left the fleet (no agent connected, no active incident)',
  async run(ctx, { positionals }) {
    const body = await ctx.client().delete<{ removed: { id: string; state: string; by: string } }>(`/v1/hosts/${seg(positionals[0]!)}`);
    if (ctx.out.json) return ctx.out.write(`${JSON.stringify(body, null, 2)}\n`);
    ctx.out.write(`${body.removed.id}: removed by ${body.removed.by}\n`);
  },
};
