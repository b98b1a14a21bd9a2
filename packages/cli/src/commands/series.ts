import type { Command } from '../command.js';
import { seg } from '../client.js';
import { UsageError } from '../errors.js';
import { fields } from '../output/table.js';
import { sparkline } from '../output/sparkline.js';

interface Series {
  hostId: string;
  metric: string;
  service: string | null;
  unit: string;
  since: string;
  points: [number, number][];
  prediction?: { rule: string; summary: string; threshold: number; failureAt?: number };
  available: { metric: string; service: string | null; unit: string }[];
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));

export const seriesCommand: Command = {
  name: 'series',
  args: 'HOST',
  positionals: { min: 1, max: 1 },
  completeWith: 'hosts',
  summary: "a host's or service's stored metric as a sparkline, with its range and any prediction on it",
  details: 'Example: vigil series web-1 --metric disk:/var --since 2h',
  options: {
    metric: { type: 'string', short: 'm', value: 'METRIC', description: 'memory, disk:<mount>, inodes:<mount>; for a service: memory, response_time:<check>, error_rate (default memory)' },
    service: { type: 'string', value: 'SERVICE', description: "the service's series instead of the host's" },
    since: { type: 'string', value: 'TIME', description: 'an ISO time or epoch ms to start at (default: the retention window)' },
    width: { type: 'string', value: 'N', description: 'points (default 60)' },
  },
  async run(ctx, { positionals, flags }) {
    const width = (flags.width as string | undefined) ?? '60';
    if (!/^\d+$/.test(width) || +width < 2 || +width > 5000) throw new UsageError(`--width: must be a number from 2 to 5000 (got ${JSON.stringify(width)})`);
    const s = await ctx.client().get<Series>(`/v1/hosts/${seg(positionals[0]!)}/series`, {
      metric: (flags.metric as string | undefined) ?? 'memory',
      service: flags.service as string | undefined,
      since: flags.since as string | undefined,
      width,
    });
    if (ctx.out.json) return ctx.out.write(`${JSON.stringify(s, null, 2)}\n`);
    const c = ctx.out.colour;
    const values = s.points.map(([, v]) => v);
    const last = s.points.at(-1);
    ctx.out.write(
      fields(
        [
          ['series', `${s.hostId}${s.service ? `/${s.service}` : ''} ${s.metric} (${s.unit})`],
          ['since', s.since],
          ['points', String(s.points.length)],
          ...(values.length > 0
            ? ([
                ['range', `${fmt(Math.min(...values))} .. ${fmt(Math.max(...values))} ${s.unit}`],
                ['latest', `${fmt(last![1])} ${s.unit} at ${new Date(last![0]).toISOString()}`],
                ['chart', c.cyan(sparkline(values))],
              ] as const)
            : []),
          ...(s.prediction ? ([['prediction', `${s.prediction.rule}: ${s.prediction.summary}${s.prediction.failureAt ? ` (fails ${new Date(s.prediction.failureAt).toISOString()})` : ''}`]] as const) : []),
          ['available', s.available.map((a) => (a.service ? `${a.service}:${a.metric}` : a.metric)).join(', ') || '-'],
        ],
        { key: c.dim },
      ),
    );
  },
};
