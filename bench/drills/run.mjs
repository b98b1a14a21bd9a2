#!/usr/bin/env node
// Runs the server-down drills (test/drills: real agents in network namespaces, a real
// coordinator and nats-server) and prints, per drill, the time from the fault to the
// host's silent event, to the classified incident on NATS and to each escalation, against
// the goal of a classification within 5 s of the fault (10 s SSH-timeout cases excepted).
//
//   node bench/drills/run.mjs [--ssh-timeout 10s] [--json FILE] [--keep-log]
//
// Needs root (ip netns), nats-server and a build (pnpm exec tsc -b). See README.md.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { durationOf, fail as failWith, parseBenchArgs } from '../cli.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = join(ROOT, 'node_modules', '.bin', 'vitest');

const HELP = `usage: node bench/drills/run.mjs [options]

  --ssh-timeout DUR   the coordinator's SSH banner timeout in the drills   [2s]
                      (10s is the runbook's ConnectTimeout=10)
  --json FILE         also write the figures as JSON
  --keep-log          keep vitest's full output (its path is printed)
  -h, --help          this text
`;

const NAME = 'bench/drills';
const fail = (message) => failWith(NAME, message);
const opts = parseBenchArgs(NAME, HELP, {
  'ssh-timeout': { type: 'string', default: '2s' },
  json: { type: 'string' },
  'keep-log': { type: 'boolean', default: false },
});
// Checked here and passed on as written: the drills' coordinator reads it with the same parser.
durationOf(NAME, 'ssh-timeout', opts['ssh-timeout']);
if (process.getuid?.() !== 0) fail('the drills build network namespaces: run as root');
for (const bin of ['packages/coordinator/dist/main.js', 'packages/agent/dist/main.js']) {
  if (!existsSync(join(ROOT, bin))) fail(`${bin} is missing: build first (pnpm exec tsc -b)`);
}
if (!existsSync(VITEST)) fail(`${VITEST} is missing: install the workspace (pnpm install)`);

const work = mkdtempSync(join(tmpdir(), 'vigil-bench-drills-'));
const reportFile = join(work, 'figures.jsonl');
const logFile = join(work, 'vitest.log');
writeFileSync(reportFile, '');

process.stdout.write(`running test/drills with sshTimeout=${opts['ssh-timeout']} ...\n`);
const started = performance.now();
const exitCode = await new Promise((resolve) => {
  const child = spawn(VITEST, ['run', 'test/drills'], {
    cwd: ROOT,
    env: { ...process.env, VIGIL_DRILL_REPORT: reportFile, VIGIL_DRILL_SSH_TIMEOUT: opts['ssh-timeout'], NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks = [];
  child.stdout.on('data', (c) => chunks.push(c));
  child.stderr.on('data', (c) => chunks.push(c));
  // Ctrl-C reaches vitest too (same process group); wait for it to tear its drills down.
  process.on('SIGINT', () => {});
  child.on('close', (code) => {
    writeFileSync(logFile, Buffer.concat(chunks));
    resolve(code ?? 1);
  });
});
const wallS = (performance.now() - started) / 1000;

const figures = readFileSync(reportFile, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l))
  .sort((a, b) => a.drill.localeCompare(b.drill, 'en', { numeric: true }));

const cell = (v) => (v === null || v === undefined ? '—' : String(v));
const rows = figures.map((f) => {
  const classified = f.faultToClassifiedMs;
  const within = classified === null ? 'no incident' : classified <= f.goalMs ? 'yes' : 'NO';
  return [f.drill, f.title, cell(f.class), cell(f.faultToSilentMs), cell(classified), cell(f.escalations.l1), cell(f.escalations.l2), cell(f.escalations.l3), `${f.goalMs}`, within];
});
const head = ['drill', 'scenario', 'class', 'fault→silent ms', 'fault→classified ms', 'fault→l1 ms', 'fault→l2 ms', 'fault→l3 ms', 'goal ms', 'within goal'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
process.stdout.write(`\n${line(head)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n${rows.map(line).join('\n')}\n`);

// vitest's closing lines: which drills passed, how long it all took.
const log = readFileSync(logFile, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
const summary = log
  .split('\n')
  .filter((l) => /^\s*(Test Files|Tests|Duration)\s/.test(l) || /^\s*FAIL\s/.test(l))
  .map((l) => l.trim());
process.stdout.write(`\nsshTimeout ${opts['ssh-timeout']}; wall time ${wallS.toFixed(1)} s; vitest exit ${exitCode}\n${summary.join('\n')}\n`);
const late = figures.filter((f) => f.faultToClassifiedMs !== null && f.faultToClassifiedMs > f.goalMs);
if (late.length > 0) process.stdout.write(`over the goal: ${late.map((f) => `drill ${f.drill} (${f.faultToClassifiedMs} ms > ${f.goalMs} ms)`).join(', ')}\n`);

if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ sshTimeout: opts['ssh-timeout'], wallSeconds: wallS, vitestExit: exitCode, figures }, null, 2)}\n`);
if (opts['keep-log'] || exitCode !== 0) {
  process.stdout.write(`full vitest output: ${logFile}\n`);
  rmSync(reportFile, { force: true });
} else {
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = exitCode === 0 && late.length === 0 ? 0 : 1;
