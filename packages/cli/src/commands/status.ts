import type { Command } from '../command.js';
import { stateColour } from '../output/format.js';
import { fields } from '../output/table.js';

interface Health {
  status: string;
  reasons?: string[];
  coordinatorId: string;
  version: string;
  uptimeSeconds: number;
  nats: string;
  outboxDepth: number;
  connectedAgents: number;
}

export const statusCommand: Command = {
  name: 'status',
  summary: "the coordinator's health: status, version, NATS, outbox, connected agents (exit 1 when degraded)",
  async run(ctx) {
    const h = await ctx.client().get<Health>('/healthz');
    if (ctx.out.json) ctx.out.write(`${JSON.stringify(h, null, 2)}\n`);
    else {
      const c = ctx.out.colour;
      ctx.out.write(
        fields(
          [
            ['status', stateColour(h.status, c) + (h.reasons?.length ? `: ${h.reasons.join('; ')}` : '')],
            ['coordinator', `${h.coordinatorId} (version ${h.version}, up ${h.uptimeSeconds}s)`],
            ['url', ctx.config().url],
            ['nats', h.nats],
            ['outbox', String(h.outboxDepth)],
            ['agents', `${h.connectedAgents} connected`],
          ],
          { key: c.dim },
        ),
      );
    }
    return h.status === 'ok' ? 0 : 1;
  },
};
