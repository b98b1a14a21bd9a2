import type { Command, Context } from '../command.js';
import { seg } from '../client.js';
import { CliError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { readLines } from '../lines.js';
import type { Palette } from '../output/color.js';
import { fields, table } from '../output/table.js';
import { yesNo } from '../output/format.js';
import { VANTAGE_HEADER, vantageRow } from './vantage-row.js';
import type { Diagnosis, VantageReport } from './views.js';

type Line =
  | { type: 'start'; hostId: string; vantages: { vantage: string; kind: string }[] }
  | { type: 'vantage'; phase: 'network' | 'checks'; report: VantageReport }
  | { type: 'diagnosis'; diagnosis: Diagnosis }
  | { type: 'error'; error: { code: string; message: string } };

export const diagnoseCommand: Command = {
  name: 'diagnose',
  args: 'HOST',
  positionals: { min: 1, max: 1 },
  completeWith: 'hosts',
  summary: "run the check chain on a host now, showing each vantage's answer as it arrives, then the verdict and its path",
  details: 'Needs an operator token. With -o json prints the same {"diagnosis": ...} object the API answers.',
  async run(ctx, { positionals }) {
    const path = `/v1/hosts/${seg(positionals[0]!)}/diagnose`;
    const res = await ctx.client().request('POST', path, { headers: { accept: 'application/x-ndjson, application/json;q=0.5' }, signal: ctx.signal });
    const c = ctx.out.colour;
    let diagnosis: Diagnosis | undefined;
    if (!(res.headers.get('content-type') ?? '').startsWith('application/x-ndjson')) {
      // A coordinator from before streamed diagnoses: one answer with everything.
      diagnosis = ((await res.json()) as { diagnosis: Diagnosis }).diagnosis;
      if (!ctx.out.json) for (const v of diagnosis.vantages) ctx.out.write(`${vantageLine(v, 'checks', c)}\n`);
    } else {
      try {
        diagnosis = await printStream(ctx, res.body!);
      } catch (err) {
        // The deadline (--timeout) covers the whole streamed answer.
        if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') {
          if (ctx.signal.aborted) throw err;
          throw new CliError(`diagnose: no complete answer within ${ctx.config().timeoutMs} ms (--timeout)`, EXIT.API, { cause: err });
        }
        throw err;
      }
    }
    if (!diagnosis) throw new CliError('diagnose: the answer ended before the diagnosis', EXIT.API);
    if (ctx.out.json) return ctx.out.write(`${JSON.stringify({ diagnosis }, null, 2)}\n`);
    ctx.out.write(`\n${c.bold('Vantages')}\n${table(VANTAGE_HEADER, diagnosis.vantages.map((v) => vantageRow(v, c)))}`);
    ctx.out.write(`\n${c.bold('Decision path')}\n`);
    diagnosis.verdict.path.forEach((s, n) => ctx.out.write(`  ${n + 1}. ${c.cyan(s.node)}: ${s.finding}\n     → ${s.result} → ${s.next}\n`));
    const facts = Object.entries(diagnosis.facts).filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0));
    ctx.out.write(`\n${c.bold('Facts')}\n${fields(facts.map(([k, v]) => [k, typeof v === 'boolean' ? yesNo(v, c) : JSON.stringify(v)] as const), { key: c.dim })}`);
    if (diagnosis.notes.length > 0) ctx.out.write(`\n${c.bold('Notes')}\n${diagnosis.notes.map((n) => `  - ${n}\n`).join('')}`);
    ctx.out.write(`\nverdict: ${c.bold(diagnosis.verdict.outcome.class)} (confidence ${diagnosis.verdict.outcome.confidence}, ${diagnosis.durationMs} ms)\n`);
  },
};

/** Prints each line of the streamed answer as it comes; returns the diagnosis line's object. */
async function printStream(ctx: Context, body: ReadableStream<Uint8Array>): Promise<Diagnosis | undefined> {
  const c = ctx.out.colour;
  let diagnosis: Diagnosis | undefined;
  for await (const text of readLines(body, ctx.signal)) {
    if (text.trim() === '') continue;
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      throw new CliError(`diagnose: the coordinator sent a line that is not JSON: ${text.slice(0, 200)}`, EXIT.API);
    }
    if (line.type === 'error') throw new CliError(`diagnose: ${line.error.message} (${line.error.code})`, EXIT.API);
    if (line.type === 'diagnosis') diagnosis = line.diagnosis;
    if (ctx.out.json) continue;
    if (line.type === 'start') ctx.out.write(`${c.bold(`diagnosing ${line.hostId}`)} from ${line.vantages.map((v) => v.vantage).join(', ')}\n`);
    else if (line.type === 'vantage') ctx.out.write(`${vantageLine(line.report, line.phase, c)}\n`);
  }
  return diagnosis;
}

function vantageLine(v: VantageReport, phase: 'network' | 'checks', c: Palette): string {
  const [id, , ping, dns, ssh, ports, note] = vantageRow(v, c);
  const what = phase === 'network' ? `ping ${ping}  dns ${dns}` : `ssh ${ssh}  ports ${ports}`;
  return `  ${id} ${c.dim(`[${phase}]`)}  ${what}${note ? `  ${note}` : ''}`;
}
