import type { Command } from '../command.js';
import { seg } from '../client.js';
import { ago, stateColour, yesNo } from '../output/format.js';
import { fields, table } from '../output/table.js';
import { vantageRow, VANTAGE_HEADER } from './vantage-row.js';
import type { IncidentView, PathStep, VantageReport } from './views.js';

interface IncidentDetail extends IncidentView {
  diagnosis: unknown;
  timeline: { at: string; kind: string; summary: string }[];
}

/** What an incident keeps of the diagnosis that raised it (the response rules' shape). */
interface StoredDiagnosis {
  reason?: string;
  path: PathStep[];
  next?: string;
  facts?: Record<string, unknown>;
  findings?: string[];
  notes?: string[];
  vantages?: VantageReport[];
  immediateActions?: string[];
}

/** The stored diagnosis, read from either the incident's shape or a whole diagnosis. */
function diagnosisOf(d: unknown): StoredDiagnosis | undefined {
  if (!d || typeof d !== 'object') return undefined;
  const x = d as Partial<StoredDiagnosis> & { verdict?: { path?: PathStep[]; outcome?: { next?: string } } };
  if (Array.isArray(x.path)) return x as StoredDiagnosis;
  if (x.verdict && Array.isArray(x.verdict.path)) return { ...x, path: x.verdict.path, ...(x.verdict.outcome?.next ? { next: x.verdict.outcome.next } : {}) };
  return undefined;
}

export const incidentCommand: Command = {
  name: 'incident',
  args: 'ID',
  positionals: { min: 1, max: 1 },
  completeWith: 'incidents',
  summary: "one incident: summary, timeline, decision path with each vantage's facts, root cause, fix, prevention",
  async run(ctx, { positionals }) {
    const body = await ctx.client().get<{ incident: IncidentDetail }>(`/v1/incidents/${seg(positionals[0]!)}`);
    if (ctx.out.json) return ctx.out.write(`${JSON.stringify(body, null, 2)}\n`);
    const i = body.incident;
    const c = ctx.out.colour;
    const now = ctx.now();
    const parts: string[] = [];
    parts.push(
      fields(
        [
          ['incident', c.bold(i.id)],
          ['host', i.service ? `${i.hostId} / service ${i.service}` : i.hostId],
          ['class', `${i.class} (confidence ${i.confidence})`],
          ['state', `${stateColour(i.state, c)}, level L${i.level}${i.flapping ? c.yellow(', flapping') : ''}${i.silenced ? c.dim(', silenced') : ''}`],
          ['summary', i.summary],
          ['opened', `${i.openedAt} (${ago(i.openedAt, now)})`],
          ...(i.acknowledgedBy ? ([['acknowledged', `by ${i.acknowledgedBy} ${ago(i.acknowledgedAt, now)}`]] as const) : []),
          ...(i.resolvedBy ? ([['resolved', `by ${i.resolvedBy} ${ago(i.resolvedAt, now)}: ${i.resolution ?? ''}`]] as const) : []),
          ...(i.nextEscalationAt ? ([['escalates', `to L${i.level + 1} at ${i.nextEscalationAt}`]] as const) : []),
          ...(i.parentId ? ([['explained by', i.parentId]] as const) : []),
        ],
        { key: c.dim },
      ),
    );
    const d = diagnosisOf(i.diagnosis);
    if (d) {
      parts.push('\n' + c.bold('Decision path') + (d.reason ? c.dim(` (${d.reason})`) : '') + '\n');
      d.path.forEach((s, n) => parts.push(`  ${n + 1}. ${c.cyan(s.node)}: ${s.finding}\n     → ${s.result} → ${s.next}\n`));
      if (d.next) parts.push(`  next step: ${d.next}\n`);
      if (d.vantages?.length) parts.push('\n' + c.bold('Vantages') + '\n', table(VANTAGE_HEADER, d.vantages.map((v) => vantageRow(v, c)), { header: c.bold }));
      const facts = Object.entries(d.facts ?? {}).filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0));
      if (facts.length > 0) parts.push('\n' + c.bold('Facts') + '\n', fields(facts.map(([k, v]) => [k, typeof v === 'boolean' ? yesNo(v, c) : JSON.stringify(v)] as const), { key: c.dim }));
      if (d.notes?.length) parts.push('\n' + c.bold('Notes') + '\n', d.notes.map((n) => `  - ${n}\n`).join(''));
      if (d.immediateActions?.length) parts.push('\n' + c.bold('Immediate actions') + '\n', d.immediateActions.map((a) => `  - ${a}\n`).join(''));
    }
    const rc = i.rootCause;
    if (rc) {
      parts.push(
        '\n' + c.bold('Root cause') + '\n',
        fields(
          [
            ['cause', rc.cause],
            ['diagnosis', rc.diagnosis],
            ['fix', rc.fix],
            ['prevention', rc.prevention],
            ['evidence', `${rc.source}: ${rc.excerpt}`],
          ],
          { key: c.dim },
        ),
      );
    }
    if (i.timeline.length > 0) {
      parts.push('\n' + c.bold('Timeline') + '\n', table(['AT', 'KIND', 'WHAT'], i.timeline.map((t) => [t.at, t.kind, t.summary])));
    }
    ctx.out.write(parts.join(''));
  },
};
