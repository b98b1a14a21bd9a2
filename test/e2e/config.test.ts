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

  it('check - coordinator --check prints the effective configuration with token hashes masked, exits 0 and starts nothing', async () => {
    const dir = tempDir('cfg-check');
    const dataDir = join(dir, 'state');
    const file = join(dir, 'coordinator.yaml');
    const hash = 'e'.repeat(64);
    writeFileSync(file, `restartGrace: 30s\ntokens:\n  - {name: ops, role: operator, sha256: ${hash}}\n`);
    const r = await runToExit('vigil-coordinator --check', COORDINATOR_BIN, [...coordinatorArgs(dataDir), '--config', file, '--check', '--phi-threshold', '9']);
    expect(r.code, r.stderr).toBe(0);
    const effective = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(effective).toMatchObject({ restartGrace: 30_000, phiThreshold: 9, nats: 'none', sweepInterval: 100, tokens: [{ name: 'ops', role: 'operator', sha256: '(masked)' }] });
    expect(r.stdout).not.toContain(hash);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('check - coordinator --check with a bad value exits 2 with the same one-line error a start gives', async () => {
    const dataDir = tempDir('cfg-check-bad');
    const check = await runToExit('vigil-coordinator --check bad', COORDINATOR_BIN, [...coordinatorArgs(dataDir), '--check', '--restart-grace', 'soon']);
    const start = await runToExit('vigil-coordinator bad', COORDINATOR_BIN, [...coordinatorArgs(dataDir), '--restart-grace', 'soon']);
    expect(check.code, check.stderr).toBe(2);
    expect(check.stdout).toBe('');
    expect(check.stderr).toMatch(/restartGrace: .*"soon"/);
    expect(check.stderr).toBe(start.stderr);
  });

  it('check - agent --check prints its effective configuration and exits 0; a bad value exits 2 naming it', async () => {
    const dir = tempDir('cfg-agent-check');
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, 'interval: 2s\nlabels: {zone: eu-1}\nsshPort: 2222\n');
    const ok = await runToExit('vigil-agent --check', AGENT_BIN, ['--check', '--config', file, '--host-id', 'web-1', '--data-dir', join(dir, 'state')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ hostId: 'web-1', intervalMs: 2000, labels: { zone: 'eu-1' }, sshPort: 2222, coordinators: [{ address: '127.0.0.1:7400' }] });
    expect(existsSync(join(dir, 'state'))).toBe(false);
    const bad = await runToExit('vigil-agent --check bad', AGENT_BIN, ['--check', '--host-id', 'web-1', '--ssh-port', '70000']);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/sshPort \(--ssh-port\): "70000" is neither a TCP port/);
  });

  it('check - agent --check reads the TLS files as a start does: a missing one exits 2 naming the option and the path', async () => {
    const dir = tempDir('cfg-agent-check-tls');
    const ca = join(dir, 'ca.crt');
    writeFileSync(ca, 'not a certificate');
    const r = await runToExit('vigil-agent --check tls', AGENT_BIN, ['--check', '--host-id', 'web-1', '--coordinator', '10.0.0.5:7400', '--tls-ca', ca, '--tls-cert', join(dir, 'web-1.crt'), '--tls-key', join(dir, 'web-1.key')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`tls.cert (--tls-cert): cannot read "${join(dir, 'web-1.crt')}"`);
  });
});
