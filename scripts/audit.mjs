#!/usr/bin/env node
// Dependency audit that works from this machine's registries.
//
// First asks the registry (`pnpm audit`). Where the registry's audit endpoint cannot
// answer (some mirrors answer 405, an offline machine has none), it checks every version
// in pnpm-lock.yaml against scripts/advisories.json: the published advisories for the
// packages we lock, reviewed by hand. Exit 0 when nothing locked is affected, 1 when
// something is, 2 on a usage or file error.
//
//   node scripts/audit.mjs              registry first, then the reviewed list
//   node scripts/audit.mjs --offline    the reviewed list only
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `name@1.2.3` keys of the lockfile's `packages:` section, as [name, version] pairs. */
export function parseLockPackages(text) {
  const out = [];
  let inPackages = false;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) {
      inPackages = line.startsWith('packages:');
      continue;
    }
    if (!inPackages) continue;
    const m = /^ {2}'?((?:@[^@/\s']+\/)?[^@\s']+)@([0-9][^:(\s']*)(?:\(.*\))?'?:/.exec(line);
    if (m) out.push([m[1], m[2]]);
  }
  return out;
}

/** [major, minor, patch] of a version; a pre-release counts as its release. */
function parts(v) {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  if (!m) throw new Error(`not a version: "${v}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function compare(a, b) {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

/** Whether `version` is in a range written as space-separated comparators (`>=5.0.0 <5.3.2`). */
export function inRange(version, range) {
  return range
    .trim()
    .split(/\s+/)
    .every((c) => {
      const m = /^(>=|<=|>|<|=)?(\d+\.\d+\.\d+\S*)$/.exec(c);
      if (!m) throw new Error(`advisory range "${range}": cannot read "${c}"`);
      const d = compare(version, m[2]);
      switch (m[1] ?? '=') {
        case '>=': return d >= 0;
        case '<=': return d <= 0;
        case '>': return d > 0;
        case '<': return d < 0;
        default: return d === 0;
      }
    });
}

/** Every (locked package, advisory) pair where the locked version is affected. */
export function findAffected(locked, advisories) {
  const found = [];
  for (const [name, version] of locked) {
    for (const a of advisories) {
      if (a.package === name && inRange(version, a.affected)) found.push({ package: name, version, id: a.id, affected: a.affected, summary: a.summary });
    }
  }
  return found;
}

function registryAudit() {
  const r = spawnSync('pnpm', ['audit', '--json'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  try {
    const report = JSON.parse(r.stdout);
    if (report && typeof report === 'object' && 'advisories' in report) return { ok: true, report };
  } catch {
    // not JSON: the endpoint refused or could not be reached
  }
  const lines = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').map((l) => l.replace(/^[│×\s]+/, '').trim());
  const why = lines.filter((l) => /ERR_|responded|ENOTFOUND|ECONN|EAI_AGAIN|timed out/i.test(l)).join(' ');
  return { ok: false, why: why || (r.error ? r.error.message : `pnpm audit exited ${r.status}`) };
}

function offlineAudit() {
  const list = JSON.parse(readFileSync(join(root, 'scripts', 'advisories.json'), 'utf8'));
  const locked = parseLockPackages(readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8'));
  const found = findAffected(locked, list.advisories);
  console.log(`audit: ${locked.length} locked packages checked against ${list.advisories.length} reviewed advisories (reviewed ${list.reviewed})`);
  for (const f of found) console.log(`audit: AFFECTED ${f.package}@${f.version}: ${f.id} (${f.affected}): ${f.summary}`);
  if (found.length === 0) console.log('audit: no locked version is affected');
  return found.length === 0 ? 0 : 1;
}

function main(argv) {
  if (!argv.includes('--offline')) {
    const r = registryAudit();
    if (r.ok) {
      const advisories = Object.values(r.report.advisories);
      for (const a of advisories) console.log(`audit: AFFECTED ${a.module_name} ${a.vulnerable_versions}: ${a.github_advisory_id ?? a.id} ${a.title}`);
      console.log(`audit: registry reports ${advisories.length} advisories`);
      return advisories.length === 0 ? 0 : 1;
    }
    console.log(`audit: the registry's audit endpoint did not answer (${r.why}); checking the lockfile against the reviewed list instead`);
  }
  return offlineAudit();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (err) {
    console.error(`audit: ${err.message}`);
    process.exit(2);
  }
}
