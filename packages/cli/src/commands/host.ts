import type { Command } from '../command.js';
import { seg } from '../client.js';
import { ago, labelsText, stateColour, until } from '../output/format.js';
import { fields, table } from '../output/table.js';
import type { HostDetail } from './views.js';

export const hostCommand: Command = {
  name: 'host',
  args: 'ID',
  positionals: { min: 1, max: 1 },
  completeWith: 'hosts',
  summary: "one host: state, agent, SSH setting, services, open incidents, predictions, recent history",
  async run(ctx, { positionals }) {
    const body = await ctx.client().get<{ host: HostDetail }>(`/v1/hosts/${seg(positionals[0]!)}`);
    if (ctx.out.json) return ctx.out.write(`${JSON.stringify(body, null, 2)}\n`);
    const h = body.host;
    const c = ctx.out.colour;
    const now = ctx.now();
    const parts: string[] = [];
    parts.push(
      fields(
        [
          ['host', c.bold(h.id)],
          ['state', `${stateColour(h.state, c)} since ${ago(h.stateSince, now)}`],
          ['last seen', ago(h.lastSeen, now)],
          ['agent', `${h.connected ? 'connected' : 'not connected'}, version ${h.agentVersion}`],
          ['hostname', h.hostname],
          ['os', h.os ? `${h.os.distro} ${h.os.release}, kernel ${h.os.kernel}, ${h.os.arch}` : '-'],
          ['labels', labelsText(h.labels)],
          ['ssh', h.ssh ? `${h.ssh.port ?? 'none'} (from ${h.ssh.from})` : '-'],
          ['phi', h.phi === null ? '-' : h.phi.toFixed(2)],
        ],
        { key: c.dim },
      ),
    );
    if (h.serviceStatus.length > 0) {
      parts.push(c.bold('Services') + '\n' + table(
          ['SERVICE', 'STATE', 'PIDS', 'BUDGET USED'],
          h.serviceStatus.map((s) => [s.name, stateColour(s.state, c), (s.pids ?? []).join(',') || '-', `${s.budgetUsed ?? '-'}${s.exhausted ? c.red(' (spent)') : ''}`]),
        ),
      );
    } else if (h.services.length > 0) {
      parts.push(c.bold('Services') + '\n' + table(['SERVICE', 'MANAGER', 'PORTS'], h.services.map((s) => [s.name, s.manager, s.ports.join(',') || '-'])));
    }
    if (h.incidents.length > 0) {
      parts.push(c.bold('Active incidents') + '\n' + table(['ID', 'CLASS', 'SERVICE', 'LEVEL', 'STATE'], h.incidents.map((i) => [i.id, i.class, i.service ?? '-', `L${i.level}`, stateColour(i.state, c)])));
    }
    const preds = h.predictions?.active ?? [];
    if (preds.length > 0) {
      parts.push(c.bold('Predictions') + '\n' + table(['RULE', 'METRIC', 'FAILS', 'SUMMARY'], preds.map((p) => [p.rule, p.metric, until(p.predictedFailureAt ?? null, now), p.summary ?? ''])));
    }
    if (h.history.length > 0) {
      parts.push(c.bold('History') + c.dim(' (newest first)') + '\n' + table(['AT', 'FROM', 'TO', 'REASON'], h.history.slice(0, 10).map((t) => [ago(t.at, now), t.from ?? '-', stateColour(t.to, c), t.reason])));
    }
    ctx.out.write(parts.join('\n'));
  },
};
