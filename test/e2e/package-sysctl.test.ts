import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RECV_BUFFER_BYTES } from '../../packages/coordinator/src/liveness/datagram-receiver.js';
import { REPO_ROOT } from '../helpers/processes.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

/**
 * The coordinator package's kernel setting (packaging/sysctl/) and the postinst step that
 * raises it on a running host (packaging/debian/raise-sysctl.sh). The script runs against a
 * temporary directory standing in for /proc/sys: a test must not change the machine's
 * kernel settings. package.test.ts checks that the .deb installs the file.
 */

const SCRIPT = join(REPO_ROOT, 'packaging/debian/raise-sysctl.sh');
const SHIPPED = join(REPO_ROOT, 'packaging/sysctl/60-vigil-coordinator.conf');
afterEach(() => removeTempDirs());

function procSys(values: Record<string, string>): string {
  const root = tempDir('proc-sys');
  for (const [key, value] of Object.entries(values)) {
    const file = join(root, key.replaceAll('.', '/'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${value}\n`);
  }
  return root;
}

function raise(file: string, root: string): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync('sh', ['-c', '. "$1"; raise_sysctl "$2" "$3"', 'sh', SCRIPT, file, root], { encoding: 'utf8' });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** A sysctl.d file of these lines, in a temporary directory. */
function conf(text: string): string {
  const file = join(tempDir('conf'), 'x.conf');
  writeFileSync(file, text);
  return file;
}

const read = (root: string, key: string) => readFileSync(join(root, key.replaceAll('.', '/')), 'utf8').trim();

describe('package sysctl', () => {
  it('shipped file - asks net.core.rmem_max of at least the liveness receiver’s buffer, in the format systemd-sysctl reads', () => {
    const settings = readFileSync(SHIPPED, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(settings).toEqual([`net.core.rmem_max = ${RECV_BUFFER_BYTES}`]);
  });

  it('raise - a lower running value is raised to the file’s, and says so', () => {
    const root = procSys({ 'net.core.rmem_max': '212992' });
    const res = raise(SHIPPED, root);
    expect(res.status).toBe(0);
    expect(read(root, 'net.core.rmem_max')).toBe(String(RECV_BUFFER_BYTES));
    expect(res.stdout).toContain(`sysctl net.core.rmem_max: raised from 212992 to ${RECV_BUFFER_BYTES}`);
  });

  it('raise - a higher running value (a host tuned above the floor) is kept', () => {
    const root = procSys({ 'net.core.rmem_max': '16777216' });
    const res = raise(SHIPPED, root);
    expect(res.status).toBe(0);
    expect(read(root, 'net.core.rmem_max')).toBe('16777216');
    expect(res.stdout).toBe('');
  });

  it('raise - comments, blank lines, spacing and a last line without a newline; a key the kernel lacks is reported and the rest still applied', () => {
    const file = conf('# comment\n; also a comment\n\nnet.core.no_such_key = 5\nnet.core.wmem_max=300\n  net.core.rmem_max   =   400');
    const root = procSys({ 'net.core.rmem_max': '100', 'net.core.wmem_max': '200' });
    const res = raise(file, root);
    expect(res.status).toBe(0);
    expect(read(root, 'net.core.rmem_max')).toBe('400');
    expect(read(root, 'net.core.wmem_max')).toBe('300');
    expect(res.stderr).toContain('sysctl net.core.no_such_key: not found here');
  });

  it('raise - a value that is not a number on either side is left alone, never compared', () => {
    const file = conf('net.ipv4.tcp_congestion_control = bbr\nnet.core.rmem_max = 400\n');
    const root = procSys({ 'net.ipv4.tcp_congestion_control': 'cubic', 'net.core.rmem_max': '4096\t8192' });
    const res = raise(file, root);
    expect(res.status).toBe(0);
    expect(read(root, 'net.ipv4.tcp_congestion_control')).toBe('cubic');
    expect(read(root, 'net.core.rmem_max')).toBe('4096\t8192');
  });

  it('postinst - the packaged step is the tested function, run only on a configure of a booted system', () => {
    // What deb.mjs writes into the coordinator's postinst (the package test installs it in a Debian root).
    const out = execFileSync('node', ['--input-type=module', '-e', "import { sysctlStep } from './scripts/package/deb.mjs'; process.stdout.write(sysctlStep(process.cwd(), '60-vigil-coordinator.conf'))"], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(out).toContain(readFileSync(SCRIPT, 'utf8'));
    expect(out).toMatch(/if \[ "\$1" = configure \] && \[ -d \/run\/systemd\/system \]; then\n\traise_sysctl \/usr\/lib\/sysctl.d\/60-vigil-coordinator.conf/);
  });
});
