import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { AGENT_BIN, COORDINATOR_BIN, spawnProgram } from '../helpers/processes.js';
import { runToExit } from '../helpers/run.js';
import { tempDir } from '../helpers/temp-dir.js';

const DOC = fileURLToPath(new URL('../../docs/tls.md', import.meta.url));
const MAKE_CERTS = fileURLToPath(new URL('../../scripts/make-certs.sh', import.meta.url));

/** The ```sh blocks of one `## ` section of docs/tls.md, in order. */
function shellBlocks(title: string): string[] {
  const section = readFileSync(DOC, 'utf8')
    .split(/^## /m)
    .find((s) => s.startsWith(title));
  if (!section) throw new Error(`docs/tls.md has no "## ${title}" section`);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * docs/tls.md's deployment example, run as written on one machine: the example's names and
 * addresses become loopback, /etc/vigil a temporary directory, and `vigil-coordinator` /
 * `vigil-agent` the programs of this checkout. Nothing else of the text is changed, so a
 * command that stops working in the doc fails here.
 */
describe('docs/tls.md deployment example', () => {
  dumpLogsOnFailure();
  afterAll(() => teardown());

  it('tls doc - certificates, a tokens file, --check and a TLS start with an agent online, as the doc writes them', async () => {
    const work = tempDir('tls-doc');
    const etc = `${work}/etc-vigil`;
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const localize = (script: string, listen: 'as-written' | 'loopback'): string => {
      let s = script
        .replaceAll('/etc/vigil', etc)
        .replaceAll('scripts/make-certs.sh', `bash ${MAKE_CERTS}`)
        .replaceAll('vigil.example.com', 'localhost')
        .replaceAll('10.0.0.5', '127.0.0.1')
        .replaceAll(':7400', `:${grpcPort}`)
        .replaceAll(':7401', `:${httpPort}`);
      // --check opens no listener, so it sees the doc's 0.0.0.0; a real start stays on loopback.
      if (listen === 'loopback') s = s.replaceAll('0.0.0.0', '127.0.0.1');
      return s;
    };
    // Long-running programs replace the shell, so stopping the child stops the program.
    const prelude = (exec: boolean) =>
      [
        'set -euo pipefail',
        `cd '${work}'`,
        `vigil-coordinator() { ${exec ? 'exec ' : ''}'${process.execPath}' '${COORDINATOR_BIN}' "$@"; }`,
        `vigil-agent() { ${exec ? 'exec ' : ''}'${AGENT_BIN}' "$@"; }`,
        '',
      ].join('\n');
    const runBlock = (name: string, script: string) => runToExit(name, 'bash', ['-c', prelude(false) + script], 30_000);

    const [makeCerts] = shellBlocks('Making the certificates');
    const certs = await runBlock('make-certs (doc)', localize(makeCerts!, 'as-written'));
    expect(certs.code, certs.stderr).toBe(0);

    const [coordinatorSetup, coordinatorStart, agentStart, curl] = shellBlocks('Deploying');
    expect(coordinatorSetup).toContain('--check');
    const check = await runBlock('coordinator setup and --check (doc)', localize(coordinatorSetup!, 'as-written'));
    expect(check.code, check.stderr).toBe(0);
    const effective = JSON.parse(check.stdout) as { http: { host: string }; tokens: { name: string; role: string; sha256: string }[] };
    expect(effective.http.host).toBe('0.0.0.0');
    expect(effective.tokens).toEqual([{ name: 'ops', role: 'operator', sha256: '(masked)' }]);

    spawnProgram('coordinator (doc)', 'bash', ['-c', prelude(true) + localize(coordinatorStart!, 'loopback')]);
    spawnProgram('agent web-1 (doc)', 'bash', ['-c', prelude(true) + localize(agentStart!, 'loopback')]);

    // The doc's own curl, with the token it made, over HTTPS checked against the CA.
    const hosts = await waitFor(
      async () => {
        const r = await runBlock('curl (doc)', localize(curl!, 'loopback'));
        if (r.code !== 0) return undefined;
        const body = JSON.parse(r.stdout) as { hosts?: { id: string; state: string }[] };
        return body.hosts?.find((h) => h.id === 'web-1' && h.state === 'online') ? body.hosts : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'web-1 online through the doc curl' },
    );
    expect(hosts.map((h) => h.id)).toContain('web-1');
  }, 90_000);
});
