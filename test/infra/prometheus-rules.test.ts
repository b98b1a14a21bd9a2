import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { promtool } from '../helpers/promtool.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

const DIR = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));
const RULE_FILES = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
const TEST_FILES = readdirSync(join(DIR, 'tests')).filter((f) => f.endsWith('.yml')).map((f) => join('tests', f));

/** Every alert of the rule files with its `for:`, read from the YAML text. */
function alerts(text: string): { name: string; forText: string }[] {
  return [...text.matchAll(/- alert: (\w+)\n(?:(?!\s*- alert:)[^\n]*\n)*?\s+for: (\S+)/g)].map((m) => ({ name: m[1]!, forText: m[2]! }));
}

/** A copy of deploy/prometheus in which one alert's `for:` is `to`. */
function withFor(alert: string, to: string): string {
  const copy = tempDir('prom-rules');
  cpSync(DIR, copy, { recursive: true });
  const file = join(copy, 'vigil-alerts.yml');
  const text = readFileSync(file, 'utf8');
  const changed = text.replace(new RegExp(`(- alert: ${alert}\\n(?:(?!\\s*- alert:)[^\\n]*\\n)*?\\s+for: )(\\S+)`), `$1${to}`);
  expect(changed, `for: of ${alert} replaced`).not.toBe(text);
  writeFileSync(file, changed);
  return copy;
}

/** Prometheus durations as the rules write them (1m, 5m, 45s, 4m45s) in seconds, and back. */
const seconds = (d: string) => [...d.matchAll(/(\d+)([hms])/g)].reduce((s, [, n, u]) => s + Number(n) * { h: 3600, m: 60, s: 1 }[u as 'h' | 'm' | 's'], 0);
const duration = (s: number) => `${Math.floor(s / 60)}m${s % 60}s`;

afterAll(() => removeTempDirs());

describe('deploy/prometheus - alert rules', () => {
  it('rules - promtool check rules accepts every rule file, and the example configuration', async () => {
    expect(RULE_FILES.length).toBeGreaterThan(0);
    const rules = await promtool(['check', 'rules', ...RULE_FILES], { cwd: DIR });
    expect(rules.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(rules.status, rules.output).toBe(0);
    const config = await promtool(['check', 'config', 'example/prometheus.yml'], { cwd: DIR });
    expect(config.status, config.output).toBe(0);
  });

  it('rules - the requested alerts exist: coordinator down, NATS disconnected, outbox lag, events not delivered', () => {
    const names = alerts(readFileSync(join(DIR, 'vigil-alerts.yml'), 'utf8')).map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['VigilCoordinatorDown', 'VigilNatsDisconnected', 'VigilOutboxLagging', 'VigilEventsNotPublished', 'VigilNotificationsNotDelivered']));
  });

  it('unit tests - promtool test rules passes', async () => {
    const r = await promtool(['test', 'rules', ...TEST_FILES], { cwd: DIR });
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/SUCCESS/);
  });

  it('unit tests - each alert is pinned to its for: one evaluation (15 s) shorter or longer fails them', async () => {
    const list = alerts(readFileSync(join(DIR, 'vigil-alerts.yml'), 'utf8'));
    expect(list.length).toBeGreaterThanOrEqual(5);
    const text = TEST_FILES.map((f) => readFileSync(join(DIR, f), 'utf8')).join('\n');
    for (const { name, forText } of list) {
      expect(text, `a unit test of ${name}`).toContain(`alertname: ${name}`);
      for (const to of [seconds(forText) - 15, seconds(forText) + 15]) {
        const copy = withFor(name, duration(to));
        const r = await promtool(['test', 'rules', ...TEST_FILES], { cwd: copy });
        expect(r.status, `${name} with for: ${duration(to)} instead of ${forText} must fail its test\n${r.output}`).not.toBe(0);
        // Failed on the alert's timing, not on a file promtool could not read.
        expect(r.output).toMatch(new RegExp(`FAILED:[\\s\\S]*alertname: ${name}, time: `));
      }
    }
  });
});
