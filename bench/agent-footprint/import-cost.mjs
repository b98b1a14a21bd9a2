#!/usr/bin/env node
// What loading each of the agent's dependencies costs in resident memory: one fresh Node
// process per row imports it, runs a full GC, and reports RSS (anonymous and file-backed)
// and the V8 heap. Rows are cumulative where marked, so the last row is the whole agent
// loaded but not started.
//
//   node bench/agent-footprint/import-cost.mjs
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AGENT = join(ROOT, 'packages/agent');
const SHARED = join(ROOT, 'packages/shared');

const rows = [
  { name: 'node (nothing imported)', cwd: AGENT, specs: [] },
  { name: 'zod', cwd: AGENT, specs: ['zod'] },
  { name: 'pino', cwd: AGENT, specs: ['pino'] },
  { name: 'yaml', cwd: SHARED, specs: ['yaml'] },
  { name: 'systeminformation', cwd: AGENT, specs: ['systeminformation'] },
  { name: '@grpc/grpc-js', cwd: AGENT, specs: ['@grpc/grpc-js'] },
  { name: '@grpc/proto-loader (+ protobufjs)', cwd: SHARED, specs: ['@grpc/proto-loader'] },
  { name: '@vigil/shared (all of the above but systeminformation)', cwd: AGENT, specs: ['@vigil/shared'] },
  { name: '@vigil/agent (everything, not started)', cwd: AGENT, specs: [join(AGENT, 'dist/index.js')] },
];

const probe = (specs) => `
  for (const s of ${JSON.stringify(specs)}) await import(s.startsWith('/') ? 'file://' + s : s);
  globalThis.gc(); await new Promise((r) => setTimeout(r, 300)); globalThis.gc();
  const st = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');
  const kb = (k) => Number(new RegExp('^' + k + ':\\\\s+(\\\\d+)', 'm').exec(st)[1]) * 1024;
  const m = process.memoryUsage();
  console.log(JSON.stringify({ rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external }));
`;

const mb = (b) => (b / 1e6).toFixed(1);
console.log('| module | RSS MB | anonymous MB | file-backed MB | V8 heap used MB | external MB | RSS over bare node MB |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
let base;
for (const r of rows) {
  const runs = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', probe(r.specs)], { cwd: r.cwd, encoding: 'utf8' })));
  const m = runs.sort((a, b) => a.rss - b.rss)[1]; // the median run
  base ??= m;
  console.log(`| ${r.name} | ${mb(m.rss)} | ${mb(m.anon)} | ${mb(m.file)} | ${mb(m.heapUsed)} | ${mb(m.external)} | ${mb(m.rss - base.rss)} |`);
}
