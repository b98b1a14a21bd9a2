import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { report } from '../helpers/measure.js';
import { spawnProgram } from '../helpers/processes.js';

const DEMO = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('demo script', () => {
  it('demo - --once shows the fleet, the detection and the pages, then stops everything it started', { timeout: 120_000 }, async () => {
    const child = spawnProgram('demo --once', DEMO, ['--once'], { ...process.env, NO_COLOR: '1' });
    const exit = await child.waitExit(110_000);
    const out = child.stdout.text();
    expect(exit, child.output()).toEqual({ code: 0, signal: null });

    expect(out).toMatch(/HOST\s+STATE\s+LAST SEEN\s+SSH/);
    for (const host of ['web-1', 'web-2', 'db-1']) expect(out).toMatch(new RegExp(`^\\s+${host}\\s+online\\b`, 'm'));
    // The victim's SSH port comes from its agent's --ssh-port; the others use the coordinator's default.
    expect(out).toMatch(/^\s+web-2\s+online\s+.*\s\d+ \(agent\)\s*$/m);
    expect(out).toMatch(/^\s+web-1\s+online\s+.*\s22 \(fleet\)\s*$/m);
    expect(out).toMatch(/^\s+web-2\s+silent\b/m);
    expect(out).toContain('"type": "vigil.v1.host.silent"');
    const m = /detected: web-2 reported silent on NATS ([\d.]+) s after the kill/.exec(out);
    expect(m, out).not.toBeNull();
    report('demo_kill_to_silent_event', Number(m![1]) * 1000, 'ms');
    expect(Number(m![1])).toBeLessThan(3);

    // The outage drill: agent_failure for the killed agent on a host that still answers,
    // and the unrecoverable service climbing to level 3 with its root cause.
    expect(out).toMatch(/classified: web-2 → agent_failure \(confidence 0\.9\)/);
    expect(out).toMatch(/escalated: db-1\/billing service_failure went (l1 → )?l2 → l3/);
    expect(out).toMatch(/root cause: configuration_error/);

    // vigil-notify paged the demo's Events-v2 receiver: the level 3 page of the billing
    // incident arrived (critical, dedup_key = the incident id of its escalation event),
    // once, and its receipt came back on NATS.
    const l3 = /event vigil\.v1\.escalation\.l3\.service_failure\.db-1 /.exec(out);
    expect(l3, out).not.toBeNull();
    const page = /page received: \[L3\] db-1\/billing: service_failure: .* \(severity critical\), dedup_key (inc-\S+)$/m.exec(out);
    expect(page, out).not.toBeNull();
    const incident = page![1]!;
    expect(out.match(new RegExp(`page received: \\[L3\\] .*dedup_key ${incident}$`, 'gm'))).toHaveLength(1);
    expect(out).toContain(`event vigil.v1.notify.delivered.pager    L3 of ${incident} delivered to pager`);
    const paged = /paged: the level 3 page for db-1\/billing reached the receiver (\d+) ms after its escalation event/.exec(out);
    expect(paged, out).not.toBeNull();
    report('demo_escalation_to_page', Number(paged![1]), 'ms');
    // The operator's resolve reaches the pager under the same dedup_key.
    expect(out).toMatch(new RegExp(`^.*page received: resolve, dedup_key ${incident}$`, 'm'));
    expect(out).toMatch(new RegExp(`resolved: the pager got the resolve for ${incident} \\d+ ms after the operator's request`));

    // Every process it announced is gone.
    const pids = [...out.matchAll(/\bpid (\d+)\)/g)].map((x) => Number(x[1]));
    expect(pids.length).toBe(6);
    expect(pids.filter(alive)).toEqual([]);
    expect(out).toContain('temp dirs removed');
  });
});
