import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { AGENT_BIN, COORDINATOR_BIN } from '../helpers/processes.js';
import { runToExit } from '../helpers/run.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Bad configuration stops the program at once with status 2 and says which field and value. */
describe('configuration errors', () => {
  dumpLogsOnFailure();
  afterAll(() => teardown());

  const coordinatorArgs = (dataDir: string) => ['--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0', '--nats', 'none', '--data-dir', dataDir];

  it('config - coordinator --phi-threshold abc exits 2 naming the field and the value', async () => {
    const dataDir = tempDir('cfg');
    const r = await runToExit('vigil-coordinator bad phi', COORDINATOR_BIN, [...coordinatorArgs(dataDir), '--phi-threshold', 'abc']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/phi[-_]?threshold/i);
    expect(r.stderr).toContain('abc');
    expect(existsSync(join(dataDir, 'ports.json'))).toBe(false);
  });

  it('config - agent --interval 5 (no unit) exits 2 naming the field and the value', async () => {
    const r = await runToExit('vigil-agent bad interval', AGENT_BIN, [
      '--coordinator', '127.0.0.1:9',
      '--host-id', 'cfg-test',
      '--data-dir', tempDir('cfg-agent'),
      '--interval', '5',
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/interval/i);
    expect(r.stderr).toMatch(/(^|[^\w.])5([^\w.]|$)/m);
  });

  it('config - coordinator --grpc without a port exits 2 naming the field and the value', async () => {
    const r = await runToExit('vigil-coordinator bad grpc', COORDINATOR_BIN, [...coordinatorArgs(tempDir('cfg')), '--grpc', 'nope']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/grpc/i);
    expect(r.stderr).toContain('nope');
  });

  it('config - a bad value in the YAML file exits 2 naming the key and the value', async () => {
    const dir = tempDir('cfg-file');
    const file = join(dir, 'coordinator.yaml');
    writeFileSync(file, 'phiThreshold: -3\ndisconnectGrace: 1s\n');
    const r = await runToExit('vigil-coordinator bad yaml', COORDINATOR_BIN, [...coordinatorArgs(dir), '--config', file]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/phiThreshold/);
    expect(r.stderr).toContain('-3');
  });

  it('config - a bare number as a duration in the agent file exits 2 naming the path, the value and the fix', async () => {
    const dir = tempDir('cfg-agent-file');
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, ['interval: 1s', 'services:', '  - name: web', '    manager: process', '    command: [sleep, "60"]', '    recovery:', '      watchAfterRestart: 30', ''].join('\n'));
    const r = await runToExit('vigil-agent unit-less duration', AGENT_BIN, ['--coordinator', '127.0.0.1:9', '--host-id', 'cfg-test', '--data-dir', dir, '--config', file]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('services[0].recovery.watchAfterRestart: 30 has no unit; write 30s or 30000ms');
  });

  it('config - a YAML syntax error exits 2 showing the line number, column and text', async () => {
    const dir = tempDir('cfg-file');
    const file = join(dir, 'coordinator.yaml');
    writeFileSync(file, 'escalation:\n  service_failure: 3m\n network_issue: 5m\n');
    const r = await runToExit('vigil-coordinator yaml syntax', COORDINATOR_BIN, [...coordinatorArgs(dir), '--config', file]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/is not valid YAML: line 3, column \d+: /);
    expect(r.stderr).toContain('3 |  network_issue: 5m');
  });

  it('config - an existing 0-byte vigil.db exits 2 naming the file and what to do, and is left as it was', async () => {
    const dataDir = tempDir('cfg-empty-db');
    const db = join(dataDir, 'vigil.db');
    writeFileSync(db, '');
    const r = await runToExit('vigil-coordinator empty store', COORDINATOR_BIN, coordinatorArgs(dataDir));
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(2);
    expect(out).toContain(db);
    expect(out).toMatch(/Restore it from a backup, or move it away/);
    expect(statSync(db).size).toBe(0);
    expect(existsSync(join(dataDir, 'ports.json'))).toBe(false);
  });
});
