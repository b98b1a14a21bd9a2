#!/usr/bin/env node
// Prediction bench: runs the labelled synthetic suite (scenarios.mjs) minute by minute
// through the real Predictor on a fake clock and prints, per rule, precision, recall and
// the median lead time (raise → the series actually failing) against the runbook horizon.
//
// Needs the build: `pnpm exec tsc -b packages/coordinator` first (it imports dist/).
import { parseArgs } from 'node:util';
import { PredictionHarness, RULE_NAMES, synthetic } from '../../packages/coordinator/dist/predictions/index.js';
import { buildSuite, H, MIN } from './scenarios.mjs';

const HELP = `predictions bench: precision, recall and lead time of the prediction rules

Usage: node bench/predictions/run.mjs [--family NAME] [--seed N] [--rules JSON] [--verbose] [--json]

  --family NAME   only this family: response, memory, error, disk, inodes
  --seed N        suite seed                                  [20240611]
  --rules JSON    rule setting overrides, as the Predictor's \`rules\` option,
                  e.g. '{"resource_trend_analysis":{"floorSpanMs":1200000}}'
  --verbose       list every false positive and every miss
  --json          print the figures as JSON too
`;

const { values: args } = parseArgs({
  options: { family: { type: 'string' }, seed: { type: 'string' }, rules: { type: 'string' }, verbose: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
});
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const START = Date.UTC(2024, 5, 11, 0, 0, 0);
const GOALS = { precision: 0.95, recall: 0.9, leadRatio: 0.5 };

const suite = buildSuite(synthetic, START, args.seed ? Number(args.seed) : undefined).filter((f) => !args.family || f.name.startsWith(args.family));
const results = [];
const wall = performance.now();
for (const family of suite) results.push(...runFamily(family));
const wallS = (performance.now() - wall) / 1000;

printTable(results);
if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\nwall time ${wallS.toFixed(1)} s (node ${process.version}, ${process.arch})\n`);
const pass = results.every((r) => r.precision >= GOALS.precision && r.recall >= GOALS.recall && r.leadRatio >= GOALS.leadRatio);
process.stdout.write(pass ? 'all rules meet the goals\n' : 'some rules miss a goal (marked above)\n');
process.exitCode = pass ? 0 : 1;

function runFamily(family) {
  const overrides = args.rules ? JSON.parse(args.rules) : {};
  const rules = Object.fromEntries(RULE_NAMES.map((n) => [n, family.rules.includes(n) ? (overrides[n] ?? {}) : false]));
  const h = new PredictionHarness({ start: START, predictor: { persistSeries: false, rules } });
  const { clock, series, predictor } = h;

  const state = family.scenarios.map((sc) => ({ sc, host: `${sc.id}.bench`, failAt: null, stopped: false }));
  const end = START + family.durationMs;
  const started = performance.now();
  synthetic.simulate(clock, end, family.stepMs, (t) => {
    for (const st of state) {
      if (st.stopped) continue;
      const v = st.sc.sample(t);
      // The failure a positive is scored on is its fault's: a spike before the fault started does not count.
      if (st.sc.label === 'positive' && st.failAt === null && t >= st.sc.onsetMs && family.failure(v)) st.failAt = t;
      // A failed service or host stops reporting shortly after.
      if (st.failAt !== null && t > st.failAt + 10 * MIN) {
        st.stopped = true;
        continue;
      }
      series.observe(st.host, st.sc.service, family.metric, st.sc.instance, v, t);
    }
  });
  predictor.stop();
  const simS = (performance.now() - started) / 1000;
  const stats = predictor.stats();
  h.db.close();
  const updates = new Map();
  for (const ev of h.eventsOf('updated')) updates.set(ev.data.prediction.rule, (updates.get(ev.data.prediction.rule) ?? 0) + 1);
  /** rule|host → raise events */
  const raises = new Map();
  for (const ev of h.eventsOf('raised')) {
    const key = `${ev.data.prediction.rule}|${ev.data.prediction.hostId}`;
    raises.set(key, [...(raises.get(key) ?? []), { at: Date.parse(ev.data.prediction.raisedAt), predicted: ev.data.prediction.predictedFailureAt ? Date.parse(ev.data.prediction.predictedFailureAt) : null }]);
  }

  return family.rules.map((rule) => {
    const horizonMs = predictor.rules.find((r) => r.name === rule).horizonMs;
    const eligible = state.filter((st) => st.sc.eligible.includes(rule));
    let tp = 0;
    let fp = 0;
    const leads = [];
    const timeErrors = [];
    const misses = [];
    const falseAlarms = [];
    const neverFailed = [];
    const reRaised = [];
    let positives = 0;
    let negatives = 0;
    for (const st of eligible) {
      const times = raises.get(`${rule}|${st.host}`) ?? [];
      if (times.length > 1) reRaised.push(`${st.sc.id} (${st.sc.kind}) raised at ${times.map((r) => `+${((r.at - START) / H).toFixed(2)} h`).join(', ')}`);
      if (st.sc.label === 'negative') {
        negatives++;
        if (times.length) {
          fp++;
          falseAlarms.push(`${st.sc.id} (${st.sc.kind}) raised at +${((times[0].at - START) / H).toFixed(1)} h`);
        }
        continue;
      }
      if (st.failAt === null) {
        neverFailed.push(st.sc.id);
        continue;
      }
      positives++;
      if (times.some((r) => r.at < st.sc.onsetMs)) {
        fp++;
        falseAlarms.push(`${st.sc.id} (${st.sc.kind}) raised before its fault started`);
      }
      const hit = times.find((r) => r.at >= st.sc.onsetMs && r.at < st.failAt);
      if (hit !== undefined) {
        tp++;
        leads.push(st.failAt - hit.at);
        // How far off the announced time was, as a share of the real lead.
        if (hit.predicted !== null) timeErrors.push(Math.abs(hit.predicted - st.failAt) / (st.failAt - hit.at));
      } else {
        misses.push(`${st.sc.id} (${st.sc.kind}) failed at +${((st.failAt - START) / H).toFixed(1)} h${times.length ? `, raised at +${((times[0].at - START) / H).toFixed(1)} h` : ', never raised'}`);
      }
    }
    const sorted = leads.slice().sort((a, b) => a - b);
    const medianLead = median(sorted);
    const s = stats[rule];
    const raisedTotal = [...raises].filter(([k]) => k.startsWith(`${rule}|`)).reduce((n, [, list]) => n + list.length, 0);
    return {
      family: family.name,
      rule,
      positives,
      negatives,
      tp,
      fp,
      precision: tp + fp === 0 ? 1 : tp / (tp + fp),
      recall: positives === 0 ? 1 : tp / positives,
      medianLeadH: medianLead / H,
      p10LeadH: sorted.length ? sorted[Math.floor(sorted.length * 0.1)] / H : 0,
      horizonH: horizonMs / H,
      leadRatio: medianLead / horizonMs,
      timeError: median(timeErrors.sort((a, b) => a - b)),
      raises: raisedTotal,
      updatesPerPrediction: raisedTotal ? (updates.get(rule) ?? 0) / raisedTotal : 0,
      evaluations: s.evaluations,
      usPerEvaluation: s.evaluations ? (s.totalMs * 1000) / s.evaluations : 0,
      simulatedS: simS,
      falseAlarms,
      misses,
      neverFailed,
      reRaised,
    };
  });
}

function median(sorted) {
  if (!sorted.length) return 0;
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

function printTable(rows) {
  const mark = (ok) => (ok ? ' ' : '✗');
  const lines = [
    '| rule | positives | negatives | precision | recall | median lead | p10 lead | horizon | lead / horizon | time error | raises | updates / prediction | µs / evaluation |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.rule} | ${r.positives} | ${r.negatives} | ${r.precision.toFixed(3)}${mark(r.precision >= GOALS.precision)} | ${r.recall.toFixed(3)}${mark(r.recall >= GOALS.recall)} | ${r.medianLeadH.toFixed(2)} h | ${r.p10LeadH.toFixed(2)} h | ${r.horizonH} h | ${r.leadRatio.toFixed(2)}${mark(r.leadRatio >= GOALS.leadRatio)} | ${(r.timeError * 100).toFixed(0)} % | ${r.raises} | ${r.updatesPerPrediction.toFixed(1)} | ${r.usPerEvaluation.toFixed(0)} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const r of rows) {
    if (r.neverFailed.length) process.stdout.write(`\n${r.rule}: ${r.neverFailed.length} positives did not fail within the run (not scored)\n`);
    if (!args.verbose) continue;
    if (r.falseAlarms.length) process.stdout.write(`\n${r.rule} false alarms:\n  ${r.falseAlarms.join('\n  ')}\n`);
    if (r.misses.length) process.stdout.write(`\n${r.rule} misses:\n  ${r.misses.join('\n  ')}\n`);
    if (r.reRaised.length) process.stdout.write(`\n${r.rule} raised more than once (expired in between):\n  ${r.reRaised.join('\n  ')}\n`);
  }
}
