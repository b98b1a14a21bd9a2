import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { DOC_FILE, REGENERATE, renderConfigDocs, rows } from '../../scripts/gen-config-docs.mjs';
import { coordinatorConfigSchema } from '../../packages/coordinator/dist/config.js';

/** docs/config.md is generated from the schemas; these keep it honest. */
describe('configuration reference', () => {
  it('config docs - docs/config.md is what the schemas generate today', async () => {
    const expected = await renderConfigDocs();
    const current = readFileSync(DOC_FILE, 'utf8');
    // Not toEqual: a diff of two whole files hides the one thing to do.
    expect(current === expected, `docs/config.md is stale: run \`${REGENERATE}\``).toBe(true);
  });

  it('config docs - every key once undocumented is there, with its flag, default and meaning', async () => {
    const doc = await renderConfigDocs();
    const row = (program: string, key: string): string => {
      const section = doc.split(/^## /m).find((s) => s.startsWith(program))!;
      const line = section.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
      expect(line, `${program} ${key}`).toBeDefined();
      return line!;
    };
    for (const key of ['incidentTick', 'minAgentInterval', 'maxAgentInterval', 'partitionMinHosts', 'partitionWindow', 'predictions', 'predictions.tick', 'serviceReportsBeforeIncident', 'sweepInterval', 'tokens', 'tokens[].sha256', 'maxConnectionsPerPeer', 'heartbeatInterval', 'escalation.service_failure']) {
      expect(row('vigil-coordinator', key).split(' | ')[3]!.length, key).toBeGreaterThan(10);
    }
    // Durations are written as a person would, from the schema's millisecond defaults.
    expect(row('vigil-coordinator', 'restartGrace')).toMatch(/^\| `restartGrace` \| `--restart-grace` \| `15s` \| /);
    expect(row('vigil-coordinator', 'predictions.retention')).toContain('| `6h` |');
    expect(row('vigil-coordinator', 'escalation.service_failure')).toContain('| `3m` |');
    expect(row('vigil-coordinator', 'tokens')).toContain('`--tokens-file`');
    expect(row('vigil-coordinator', 'logLevel')).toContain('One of: `fatal`');
    // The machine's hostname never ends up in the file.
    expect(row('vigil-coordinator', 'id')).toContain("this machine's hostname");
    expect(row('vigil-agent', 'coordinators')).toMatch(/\| `--coordinator` \| `127\.0\.0\.1:7400` \|/);
    expect(row('vigil-agent', 'sshPort')).toContain('`--ssh-port`');
    for (const label of ['zone', 'address', 'ssh_port']) expect(doc).toContain(`| \`${label}\` |`);
    expect(row('vigil-notify', 'deadman.natsDown')).toContain('| `2m` |');
  });

  it('config docs - a key without a comment in the schema stops the generator, naming the key', () => {
    const source = join(tempDir('config-docs'), 'config.ts');
    writeFileSync(source, "const schema = z.object({\n  /** The gRPC listener. */\n  grpc: hostPort,\n  http: hostPort,\n});\n");
    expect(() => rows({ name: 'x', intro: [], schema: coordinatorConfigSchema, source, variable: 'schema', flag: () => undefined })).toThrow(
      /config\.ts: no JSDoc comment on http, apiPlainListen, .*tokens/,
    );
  });

  it('config docs - a comment whose @default disagrees with the schema stops the generator; 1000ms and 1s agree', () => {
    const source = join(tempDir('config-docs'), 'config.ts');
    writeFileSync(source, "const schema = z.object({\n  /** Silence threshold. @default 9 */\n  phiThreshold: n,\n  /** Grace. @default 1000ms */\n  disconnectGrace: d,\n});\n");
    expect(() => rows({ name: 'x', intro: [], schema: coordinatorConfigSchema, source, variable: 'schema', flag: () => undefined })).toThrow(
      /the comment's @default disagrees with the schema for phiThreshold \(comment: 9, schema: 8\); correct the comment$/,
    );
  });
});
