import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCerts, type CertFiles } from '../helpers/certs.js';
import { report } from '../helpers/measure.js';
import { NatsServer } from '../helpers/nats-server.js';
import { waitFor } from '../helpers/poll.js';
import { REPO_ROOT, describeChildren, rssBytes, spawnChild, stopAllChildren, type Child } from '../helpers/processes.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

/**
 * The release artifacts of `pnpm run package` (scripts/package.mjs), built into a temp
 * directory: each .deb unpacks (`dpkg-deb -x`) to the promised layout, the units pass
 * `systemd-analyze verify`, and nats-server, the coordinator and two agents run from the
 * unpacked files alone, with mutual TLS and an API token: no repository path on their
 * command line, in their working directory or in their environment, no NODE_PATH. An
 * agent killed and started again from freshly unpacked files adopts its running service.
 * Without dpkg-deb the tarballs are unpacked instead and the Debian checks are skipped.
 */
const PROGRAMS = ['vigil-agent', 'vigil-coordinator', 'vigil-notify'] as const;
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'packages/agent/package.json'), 'utf8')) as { version: string }).version;
const hasTool = (tool: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const HAS_DPKG = hasTool('dpkg-deb');
const HAS_SYSTEMD_ANALYZE = hasTool('systemd-analyze');
const HAS_LINTIAN = hasTool('lintian');
/** A minimal Debian 12 root made by scripts/debian-root.sh (setup runs it where it can). */
const DEBIAN_ROOT_TARBALL = process.env.VIGIL_DEBIAN_ROOT_TARBALL ?? '/var/cache/vigil-test/debian-bookworm-minbase.tar.gz';
const debianRootSkip =
  process.getuid?.() !== 0 ? 'needs root (chroot, mount)' : !HAS_DPKG ? 'needs dpkg-deb' : !existsSync(DEBIAN_ROOT_TARBALL) ? `no Debian 12 root at ${DEBIAN_ROOT_TARBALL} (scripts/debian-root.sh makes it)` : undefined;
const run = promisify(execFile);

/** An environment with nothing of the repository in it: PATH to node and the system tools only. */
function cleanEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, LANG: 'C.UTF-8' };
}

function mentionsRepo(c: Child, cwd: string, env: NodeJS.ProcessEnv): string[] {
  const repo = REPO_ROOT.replace(/\/$/, '');
  return [c.command, ...c.args, cwd, ...Object.values(env).map(String)].filter((s) => s.includes(repo));
}

/** A process that exists and is not a zombie (an orphan's zombie waits for whoever reaps it). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** GET with a bearer token over https, trusting only the test CA. */
function apiGet(url: string, ca: Buffer, token: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: 2000, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The agent is two CommonJS bundles (scripts/package/agent-bundles.mjs): an entry point and the program. */
const entryFile = (name: string): string => (name === 'vigil-agent' ? 'vigil-agent.cjs' : `${name}.mjs`);
const programFile = (name: string): string => (name === 'vigil-agent' ? 'vigil-agent-main.cjs' : `${name}.mjs`);

describe('release packages', () => {
  let out: string;
  /** The empty root the packages are unpacked into. */
  let root: string;
  let certs: CertFiles;
  let nats: NatsServer;

  beforeAll(async () => {
    out = tempDir('release');
    const t0 = Date.now();
    await run(process.execPath, [join(REPO_ROOT, 'scripts/package.mjs'), '--out', out, ...(HAS_DPKG ? [] : ['--no-deb'])], { cwd: REPO_ROOT, timeout: 240_000 });
    report('package_build', (Date.now() - t0) / 1000, 's');
    root = tempDir('pkgroot');
    for (const name of PROGRAMS) {
      if (HAS_DPKG) {
        const deb = readdirSync(out).find((f) => f.startsWith(`${name}_${VERSION}-1_`) && f.endsWith('.deb'));
        expect(deb, `${name}'s .deb in ${out}`).toBeDefined();
        execFileSync('dpkg-deb', ['-x', join(out, deb!), root]);
        report(`${name}_deb_size`, statSync(join(out, deb!)).size / 1024, 'KiB');
        const installed = execFileSync('dpkg-deb', ['-f', join(out, deb!), 'Installed-Size'], { encoding: 'utf8' }).trim();
        report(`${name}_installed_size`, Number(installed), 'KiB');
      } else {
        const tarball = readdirSync(out).find((f) => f.startsWith(`${name}-${VERSION}-linux-`) && f.endsWith('.tar.gz'))!;
        mkdirSync(join(root, 'usr/lib'), { recursive: true });
        execFileSync('tar', ['-xzf', join(out, tarball), '-C', join(root, 'usr/lib')]);
        mkdirSync(join(root, 'usr/bin'), { recursive: true });
        symlinkSync(`../lib/${name}/bin/${name}`, join(root, 'usr/bin', name));
      }
    }
    for (const f of readdirSync(out).filter((f) => f.endsWith('.tar.gz'))) report(`${f.replace(/-\d.*$/, '')}_tarball_size`, statSync(join(out, f)).size / 1024, 'KiB');
    certs = await makeCerts(['pkg-a', 'pkg-b']);
    nats = await NatsServer.start();
  }, 300_000);

  afterAll(async () => {
    await stopAllChildren();
    await nats?.stop();
    removeTempDirs();
  });

  it.skipIf(!HAS_DPKG)('deb - each package unpacks to /usr/lib, /usr/bin, /etc/vigil (a conffile) and a systemd unit', () => {
    for (const name of PROGRAMS) {
      const deb = join(out, readdirSync(out).find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'))!);
      const field = (f: string) => execFileSync('dpkg-deb', ['-f', deb, f], { encoding: 'utf8' }).trim();
      expect(field('Package')).toBe(name);
      expect(field('Version')).toBe(`${VERSION}-1`);
      // The agent holds no native code; the others ship better-sqlite3's module.
      expect(field('Architecture')).toBe(name === 'vigil-agent' ? 'all' : execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim());
      expect(field('Depends')).toContain('nodejs (>= 20)');
      const conffiles = execFileSync('sh', ['-c', `dpkg-deb --ctrl-tarfile "${deb}" | tar -xOf - ./conffiles`], { encoding: 'utf8' });
      const config = `/etc/vigil/${name.replace('vigil-', '')}.yaml`;
      expect(conffiles.trim()).toBe(config);
      for (const f of [
        `usr/lib/${name}/bin/${name}`,
        `usr/lib/${name}/lib/${entryFile(name)}`,
        `usr/lib/${name}/lib/${programFile(name)}`,
        `usr/lib/${name}/lib/${programFile(name)}.map`,
        `usr/lib/${name}/proto/vigil/v1/agent.proto`,
        `usr/lib/${name}/package.json`,
        `lib/systemd/system/${name}.service`,
        `usr/share/doc/${name}/copyright`,
        `usr/share/doc/${name}/changelog.Debian.gz`,
        config.slice(1),
      ]) {
        expect(existsSync(join(root, f)), f).toBe(true);
      }
      expect(lstatSync(join(root, 'usr/bin', name)).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(root, 'usr/bin', name))).toBe(`../lib/${name}/bin/${name}`);
      expect(statSync(join(root, `usr/lib/${name}/bin/${name}`)).mode & 0o111).toBe(0o111);
      const native = existsSync(join(root, `usr/lib/${name}/node_modules/better-sqlite3/build/Release/better_sqlite3.node`));
      expect(native).toBe(name !== 'vigil-agent');
      if (name === 'vigil-coordinator') expect(existsSync(join(root, `usr/lib/${name}/lib/datagram-receiver.worker.js`))).toBe(true);
      // Kernel settings go to sysctl.d, where systemd-sysctl applies them at boot; the postinst raises them now.
      const sysctl = join(root, 'usr/lib/sysctl.d/60-vigil-coordinator.conf');
      const postinst = execFileSync('sh', ['-c', `dpkg-deb --ctrl-tarfile "${deb}" | tar -xOf - ./postinst`], { encoding: 'utf8' });
      if (name === 'vigil-coordinator') {
        expect(readFileSync(sysctl, 'utf8')).toContain(readFileSync(join(REPO_ROOT, 'packaging/sysctl/60-vigil-coordinator.conf'), 'utf8'));
        expect(postinst).toContain('raise_sysctl /usr/lib/sysctl.d/60-vigil-coordinator.conf');
      } else expect(postinst).not.toContain('raise_sysctl');
      // The agent's postinst writes its code cache, before an upgrade restarts the unit.
      if (name === 'vigil-agent') expect(postinst.indexOf('--write-code-cache')).toBeGreaterThan(-1);
      else expect(postinst).not.toContain('--write-code-cache');
      expect(postinst).not.toContain('@CODE_CACHE@');
      expect(existsSync(join(root, `usr/lib/${name}/sysctl.d`)), 'the folder copy stays out of /usr/lib/<name>').toBe(false);
      expect(execFileSync('sh', ['-n', '-c', postinst]).length).toBe(0);
    }
    expect(existsSync(join(root, 'usr/lib/sysctl.d/60-vigil-coordinator.conf'))).toBe(true);
  });

  it('bundle - the source map leads back to the TypeScript sources', () => {
    for (const name of PROGRAMS) {
      const map = JSON.parse(readFileSync(join(root, `usr/lib/${name}/lib/${programFile(name)}.map`), 'utf8')) as { sources: string[] };
      const own = name.replace('vigil-', '');
      // Paths in the repository, not on the machine that built the package.
      expect(map.sources, `${name}: its main.ts among the sources`).toContain(`packages/${own}/src/main.ts`);
      expect(map.sources.filter((s) => s.startsWith('..') || s.startsWith('/'))).toEqual([]);
      expect(readFileSync(join(root, `usr/bin/${name}`), 'utf8')).toContain('--enable-source-maps');
    }
  });

  it('launcher - the coordinator starts with the Node flags it is measured with (node-flags.json, also what the test kit passes)', () => {
    const flags = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/coordinator/node-flags.json'), 'utf8')) as string[];
    expect(flags.length).toBeGreaterThan(0);
    const exec = readFileSync(join(root, 'usr/bin/vigil-coordinator'), 'utf8').split('\n').find((l) => l.startsWith('exec '));
    for (const f of flags) expect(exec).toContain(` ${f} `);
  });

  it('bundle - Node maps a position in the installed agent bundle to its TypeScript line', async () => {
    const bundle = join(root, `usr/lib/vigil-agent/lib/${programFile('vigil-agent')}`);
    const text = readFileSync(bundle, 'utf8');
    const needle = 'print the version and exit'; // a help string in packages/agent/src/cli.ts
    const before = text.slice(0, text.indexOf(needle)).split('\n');
    expect(before.length, `"${needle}" in the bundle`).toBeGreaterThan(0);
    const probe = join(tempDir('sourcemap'), 'probe.mjs');
    writeFileSync(
      probe,
      [
        "import { findSourceMap } from 'node:module';",
        "import { pathToFileURL } from 'node:url';",
        'const [bundle, line, column] = process.argv.slice(2);',
        "process.argv = [process.argv[0], bundle, '--version'];",
        'await import(pathToFileURL(bundle).href);',
        'const entry = findSourceMap(bundle)?.findEntry(Number(line), Number(column));',
        "process.stderr.write(JSON.stringify(entry ?? null) + '\\n');",
      ].join('\n'),
    );
    const home = tempDir('home');
    const { stderr } = await run(process.execPath, ['--enable-source-maps', probe, bundle, String(before.length - 1), String(before.at(-1)!.length)], { cwd: home, env: cleanEnv(home), timeout: 20_000 });
    const entry = JSON.parse(stderr.trim().split('\n').at(-1)!) as { originalSource?: string; originalLine?: number } | null;
    expect(entry?.originalSource).toMatch(/\/lib\/packages\/agent\/src\/cli\.ts$/);
    const cli = readFileSync(join(REPO_ROOT, 'packages/agent/src/cli.ts'), 'utf8').split('\n');
    expect(cli[entry!.originalLine!]).toContain(needle);
  });

  it('version - each unpacked program prints its version, from a clean environment', async () => {
    const home = tempDir('home');
    for (const name of PROGRAMS) {
      const t0 = process.hrtime.bigint();
      const { stdout } = await run(join(root, 'usr/bin', name), ['--version'], { cwd: home, env: cleanEnv(home), timeout: 20_000 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      report(`${name}_version_ms`, ms, 'ms');
      // The agent prints `vigil-agent 0.1.0`, the others the bare version.
      expect(stdout.trim()).toMatch(new RegExp(`^(${name} )?${VERSION.replaceAll('.', '\\.')}$`));
    }
  });

  it.skipIf(!HAS_SYSTEMD_ANALYZE)('units - systemd-analyze verify passes for each unit', async () => {
    for (const name of PROGRAMS) {
      // ExecStart names /usr/bin/<program>; verify the unit against the unpacked root's copy.
      const unit = readFileSync(join(root, `lib/systemd/system/${name}.service`), 'utf8');
      const dir = tempDir('unit');
      writeFileSync(join(dir, `${name}.service`), unit.replace(`ExecStart=/usr/bin/${name}`, `ExecStart=${join(root, 'usr/bin', name)}`));
      const res = await run('systemd-analyze', ['verify', '--man=no', join(dir, `${name}.service`)], { timeout: 30_000 }).then(
        (r) => ({ code: 0, stderr: r.stderr }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(res, name).toEqual({ code: 0, stderr: '' });
    }
  }, 120_000);

  it.skipIf(!HAS_LINTIAN || !HAS_DPKG)('lintian - no errors', async () => {
    const debs = readdirSync(out).filter((f) => f.endsWith('.deb')).map((f) => join(out, f));
    const res = await run('lintian', ['--no-tag-display-limit', ...debs], { timeout: 120_000 }).then(
      (r) => r.stdout,
      (e: { stdout: string }) => e.stdout,
    );
    console.log(`lintian:\n${res}`);
    expect(res.split('\n').filter((l) => l.startsWith('E:'))).toEqual([]);
  }, 180_000);

  it('run - coordinator and two agents from the unpacked files: mutual TLS, a token, hosts online, a kill detected, an agent upgraded (SIGTERM) and one crashed, each replaced and its service adopted', async () => {
    // Certificates, config and state all under the temp root, as on a host.
    const etc = join(root, 'etc/vigil');
    mkdirSync(etc, { recursive: true });
    for (const [from, to] of [[certs.ca, 'ca.crt'], [certs.serverCert, 'coordinator.crt'], [certs.serverKey, 'coordinator.key']] as const) cpSync(from, join(etc, to));
    const token = randomBytes(24).toString('hex');
    writeFileSync(
      join(etc, 'coordinator.yaml'),
      `tls:\n  ca: ${etc}/ca.crt\n  cert: ${etc}/coordinator.crt\n  key: ${etc}/coordinator.key\ntokens:\n  - name: ops\n    role: viewer\n    sha256: ${createHash('sha256').update(token).digest('hex')}\n`,
    );
    const state = join(root, 'var/lib/vigil-coordinator');
    mkdirSync(state, { recursive: true });
    const env = cleanEnv(root);
    const coordinator = spawnChild({
      name: 'vigil-coordinator (package)',
      command: join(root, 'usr/bin/vigil-coordinator'),
      args: ['--config', join(etc, 'coordinator.yaml'), '--data-dir', state, '--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0', '--nats', nats.url],
      cwd: root,
      env,
    });
    expect(mentionsRepo(coordinator, root, env)).toEqual([]);
    const ports = await waitFor(
      () => {
        if (!coordinator.running) throw new Error('vigil-coordinator exited');
        const f = join(state, 'ports.json');
        return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { grpc: number; http: number }) : undefined;
      },
      { timeoutMs: 20_000, what: 'ports.json', observe: () => describeChildren() },
    );
    const base = `https://127.0.0.1:${ports.http}`;
    const ca = readFileSync(certs.ca);

    // As systemd's CacheDirectory= gives the unit: the agents keep their code cache there.
    const cacheDir = join(root, 'var/cache/vigil-agent');
    const agents = (['pkg-a', 'pkg-b'] as const).map((id) => {
      cpSync(certs.client(id).cert, join(etc, `${id}.crt`));
      cpSync(certs.client(id).key, join(etc, `${id}.key`));
      // pkg-a runs a `manager: process` service, to see it survive its agent below.
      writeFileSync(join(etc, `${id}.yaml`), id === 'pkg-a' ? 'services:\n  - name: sleeper\n    manager: process\n    command: ["/bin/sleep", "600"]\n' : '');
      return startAgent(id);
    });
    function startAgent(id: string): Child {
      const agent = spawnChild({
        name: `vigil-agent ${id} (package)`,
        command: join(root, 'usr/bin/vigil-agent'),
        args: ['--config', join(etc, `${id}.yaml`), '--coordinator', `127.0.0.1:${ports.grpc}`, '--host-id', id, '--interval', '500ms', '--liveness-interval', '250ms',
          '--data-dir', join(root, `var/lib/vigil-agent-${id}`),
          '--tls-ca', join(etc, 'ca.crt'), '--tls-cert', join(etc, `${id}.crt`), '--tls-key', join(etc, `${id}.key`)],
        cwd: root,
        env: { ...env, CACHE_DIRECTORY: cacheDir },
      });
      expect(mentionsRepo(agent, root, env)).toEqual([]);
      return agent;
    }

    const states = async () => {
      const res = await apiGet(`${base}/v1/hosts`, ca, token);
      if (res.status !== 200) throw new Error(`GET /v1/hosts → ${res.status}: ${res.body}`);
      return Object.fromEntries((JSON.parse(res.body) as { hosts: { id: string; state: string }[] }).hosts.map((h) => [h.id, h.state]));
    };
    await waitFor(async () => {
      const s = await states();
      return s['pkg-a'] === 'online' && s['pkg-b'] === 'online' ? s : undefined;
    }, { timeoutMs: 20_000, what: 'both packaged agents online', observe: () => describeChildren() });
    // The token is required beyond /healthz.
    expect((await apiGet(`${base}/v1/hosts`, ca, undefined)).status).toBe(401);
    // Liveness (asked under the 500 ms interval, so granted) comes as datagrams, read by the
    // receiver thread bundled beside the program.
    await waitFor(async () => {
      const m = /^vigil_liveness_datagrams_total\{outcome="accepted"\} (\d+)$/m.exec((await apiGet(`${base}/metrics`, ca, token)).body);
      return Number(m?.[1] ?? 0) >= 2 ? true : undefined;
    }, { timeoutMs: 10_000, what: 'liveness datagrams accepted by the packaged coordinator', observe: () => describeChildren() });

    report('agent_package_rss', (await rssBytes(agents[0]!.pid)) / 1024 / 1024, 'MB');
    report('coordinator_package_rss', (await rssBytes(coordinator.pid)) / 1024 / 1024, 'MB');

    await agents[1]!.kill();
    await waitFor(async () => ((await states())['pkg-b'] === 'silent' ? true : undefined), { timeoutMs: 15_000, what: 'pkg-b silent after SIGKILL', observe: () => describeChildren() });
    expect((await states())['pkg-a']).toBe('online');

    const sleeper = async () => {
      const res = await apiGet(`${base}/v1/hosts/pkg-a`, ca, token);
      const host = (JSON.parse(res.body) as { host: { serviceStatus?: { name: string; state: string; pids: number[] }[] } }).host;
      return host.serviceStatus?.find((x) => x.name === 'sleeper');
    };
    // Newest first.
    const historyOf = async () => {
      const res = await apiGet(`${base}/v1/hosts/pkg-a`, ca, token);
      return (JSON.parse(res.body) as { host: { history: { to: string; at: string }[] } }).host.history;
    };
    const incidentIds = async () => (JSON.parse((await apiGet(`${base}/v1/incidents?host=pkg-a`, ca, token)).body) as { incidents: { id: string }[] }).incidents.map((i) => i.id);
    const adoptedEvents = (count: number) =>
      waitFor(async () => {
        const detail = JSON.parse((await apiGet(`${base}/v1/hosts/pkg-a`, ca, token)).body) as { host: { events: { service: string; type: string }[] } };
        const types = detail.host.events.filter((e) => e.service === 'sleeper').map((e) => e.type);
        // The adoption's event follows the heartbeat that shows the same pid by a moment.
        return types.filter((t) => t === 'service_adopted').length >= count ? types : undefined;
      }, { timeoutMs: 10_000, what: `service_adopted number ${count} of the sleeper` });
    const backWith = (pid: number, what: string) =>
      waitFor(async () => {
        const s = await sleeper();
        return (await states())['pkg-a'] === 'online' && s?.state === 'running' && s.pids[0] === pid ? s : undefined;
      }, { timeoutMs: 20_000, what, observe: () => describeChildren() });
    const unpackAgentAgain = () => {
      if (HAS_DPKG) execFileSync('dpkg-deb', ['-x', join(out, readdirSync(out).find((f) => f.startsWith('vigil-agent_') && f.endsWith('.deb'))!), root]);
    };
    const before = await waitFor(async () => {
      const s = await sleeper();
      return s?.state === 'running' && s.pids.length > 0 ? s : undefined;
    }, { timeoutMs: 15_000, what: 'the sleeper service running under pkg-a', observe: () => describeChildren() });
    const pid = before.pids[0]!;

    // The upgrade path (`systemctl restart`, a package upgrade): SIGTERM, new files, start.
    // The service keeps its PID, no recovery runs, no incident opens, and the coordinator
    // sees one Goodbye and one Hello: left, then online, never silent.
    const historyBefore = (await historyOf()).length;
    const incidentsBefore = await incidentIds();
    const exit = await agents[0]!.stop();
    expect(exit.code).toBe(0);
    expect(alive(pid)).toBe(true);
    await waitFor(async () => ((await states())['pkg-a'] === 'left' ? true : undefined), { timeoutMs: 10_000, what: 'pkg-a left after its graceful stop', observe: async () => `${JSON.stringify({ states: await states(), history: (await historyOf()).slice(0, 4) })}\n${agents[0]!.output()}\n${coordinator.output().split('\n').filter((l) => l.includes('pkg-a')).slice(-20).join('\n')}` });
    unpackAgentAgain();
    const upgraded = startAgent('pkg-a');
    expect((await backWith(pid, 'pkg-a back online after the upgrade, the sleeper adopted (same pid)')).pids).toEqual([pid]);
    const historyAfter = await historyOf();
    expect(historyAfter.slice(0, historyAfter.length - historyBefore).map((t) => t.to).reverse()).toEqual(['left', 'online']);
    const sleeperEvents = await adoptedEvents(1);
    expect(sleeperEvents.filter((t) => t.startsWith('recovery') || t.startsWith('step_'))).toEqual([]);
    const opened = (await incidentIds()).filter((id) => !incidentsBefore.includes(id));
    const show = await Promise.all(opened.map(async (id) => (await apiGet(`${base}/v1/incidents/${id}`, ca, token)).body));
    expect(opened, show.join('\n')).toEqual([]);

    // What the unit's KillMode=process keeps: pkg-a's agent dies (SIGKILL, as a crash),
    // its files are replaced and it is started again: its process service runs on under
    // the same PID and is adopted.
    await upgraded.kill();
    expect(alive(pid)).toBe(true);
    unpackAgentAgain();
    const again = startAgent('pkg-a');
    expect((await backWith(pid, 'pkg-a back online after a crash, the sleeper adopted (same pid)')).pids).toEqual([pid]);
    // The agents write one code cache, three intervals after a start without one, private
    // to the agent's user.
    const codeCaches = () => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.endsWith('.codecache')) : []);
    const caches = await waitFor(() => (codeCaches().length > 0 ? codeCaches() : undefined), { timeoutMs: 10_000, what: 'a code cache in the cache directory' });
    expect(caches).toHaveLength(1);
    expect(statSync(join(cacheDir, caches[0]!)).mode & 0o777).toBe(0o600);
    expect((await adoptedEvents(2)).filter((t) => t.startsWith('recovery') || t.startsWith('step_'))).toEqual([]);
    await again.stop();
    // Still running: this test started it (through the agent), so it stops it, by PID.
    expect(alive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
  }, 120_000);
  it.skipIf(debianRootSkip !== undefined)(`debian 12 root - dpkg -i installs, runs, upgrades, removes and purges the packages in a real Debian 12 root${debianRootSkip ? ` (skipped: ${debianRootSkip})` : ''}`, async () => {
    const chroot = tempDir('debian12-root');
    execFileSync('tar', ['-xzf', DEBIAN_ROOT_TARBALL, '-C', chroot]);
    expect(readFileSync(join(chroot, 'etc/debian_version'), 'utf8')).toMatch(/^12\./);
    // Debian 12 ships Node.js 18; hosts take 20 from NodeSource or a backport. A package
    // named nodejs holding this machine's node stands in for it, so `Depends: nodejs (>= 20)`
    // is really resolved by dpkg.
    const shim = tempDir('nodejs-shim');
    mkdirSync(join(shim, 'usr/bin'), { recursive: true });
    mkdirSync(join(shim, 'DEBIAN'));
    cpSync(process.execPath, join(shim, 'usr/bin/node'));
    const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    writeFileSync(join(shim, 'DEBIAN/control'), `Package: nodejs\nVersion: ${process.versions.node}-1\nArchitecture: ${arch}\nMaintainer: Vigil tests <root@localhost>\nDescription: Node.js ${process.versions.node} for the install test\n`);
    execFileSync('dpkg-deb', ['--build', '--root-owner-group', shim, join(chroot, 'tmp/nodejs.deb')], { stdio: 'pipe' });
    const debs = PROGRAMS.map((name) => readdirSync(out).find((f) => f.startsWith(`${name}_${VERSION}-1_`) && f.endsWith('.deb'))!);
    for (const d of debs) cpSync(join(out, d), join(chroot, 'tmp', d));
    const inRoot = (args: string[], opts: { userspec?: string } = {}) =>
      execFileSync('/usr/sbin/chroot', [...(opts.userspec ? [`--userspec=${opts.userspec}`] : []), chroot, ...args], { encoding: 'utf8', stdio: 'pipe', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive' } });
    // The programs read /proc: the root gets its own. (Its /dev holds the device nodes
    // debootstrap made; the host's /dev is never bound in, so removing the temp dir can
    // never reach it.)
    const mounts = [join(chroot, 'proc')];
    execFileSync('mount', ['-t', 'proc', 'proc', mounts[0]!]);
    try {
      const t0 = Date.now();
      inRoot(['dpkg', '-i', '/tmp/nodejs.deb', ...debs.map((d) => `/tmp/${d}`)]);
      report('debian12_dpkg_install', (Date.now() - t0) / 1000, 's');
      expect(inRoot(['dpkg-query', '-W', '-f', '${Status}\n', 'vigil-agent', 'vigil-coordinator', 'vigil-notify']).trim().split('\n')).toEqual(Array(3).fill('install ok installed'));
      // System users for the unprivileged two, none for the agent (it runs as root).
      for (const user of ['vigil-coordinator', 'vigil-notify']) {
        const entry = inRoot(['getent', 'passwd', user]).trim().split(':');
        expect([entry[0], entry[5], entry[6]], entry.join(':')).toEqual([user, `/var/lib/${user}`, expect.stringMatching(/nologin$|false$/)]);
      }
      expect(() => inRoot(['getent', 'passwd', 'vigil-agent'])).toThrow();
      // The coordinator's kernel setting is installed, and owned by its package (gone with it).
      expect(inRoot(['dpkg-query', '-S', '/usr/lib/sysctl.d/60-vigil-coordinator.conf']).trim()).toBe('vigil-coordinator: /usr/lib/sysctl.d/60-vigil-coordinator.conf');
      const owner = (p: string) => inRoot(['stat', '-c', '%U %a', p]).trim();
      expect(owner('/var/lib/vigil-coordinator')).toBe('vigil-coordinator 750');
      expect(owner('/var/lib/vigil-notify')).toBe('vigil-notify 750');
      expect(owner('/var/lib/vigil-agent')).toBe('root 700');
      expect(inRoot(['dpkg-query', '-W', '-f', '${Conffiles}', 'vigil-agent'])).toContain('/etc/vigil/agent.yaml');
      expect(inRoot(['vigil-agent', '--version']).trim()).toMatch(new RegExp(`${VERSION.replaceAll('.', '\\.')}$`));
      // The postinst wrote the agent's code cache where its unit's CacheDirectory= is, private
      // to root, for the key a start through the launcher computes: it is up to date.
      expect(owner('/var/cache/vigil-agent')).toBe('root 700');
      const caches = readdirSync(join(chroot, 'var/cache/vigil-agent'));
      expect(caches).toEqual([expect.stringMatching(/^vigil-agent-[0-9a-f]+\.codecache$/)]);
      expect(owner(`/var/cache/vigil-agent/${caches[0]}`)).toBe('root 600');
      expect(inRoot(['env', 'CACHE_DIRECTORY=/var/cache/vigil-agent', 'vigil-agent', '--write-code-cache'])).toBe(`code cache up to date: /var/cache/vigil-agent/${caches[0]}\n`);
      inRoot(['vigil-coordinator', '--check', '--config', '/etc/vigil/coordinator.yaml']);
      inRoot(['vigil-agent', '--check', '--config', '/etc/vigil/agent.yaml', '--coordinator', '127.0.0.1:7400', '--host-id', 'deb12']);

      // The installed programs run inside the root as the units would: the coordinator as
      // its system user with its state directory, the agent as root.
      const env = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };
      const coordinator = spawnChild({ name: 'vigil-coordinator (Debian 12 root)', command: '/usr/sbin/chroot', args: ['--userspec=vigil-coordinator:vigil-coordinator', chroot, '/usr/bin/vigil-coordinator', '--config', '/etc/vigil/coordinator.yaml', '--data-dir', '/var/lib/vigil-coordinator', '--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0', '--nats', 'none'], env });
      const ports = await waitFor(() => {
        if (!coordinator.running) throw new Error(`vigil-coordinator exited\n${coordinator.output()}`);
        const f = join(chroot, 'var/lib/vigil-coordinator/ports.json');
        return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { grpc: number; http: number }) : undefined;
      }, { timeoutMs: 20_000, what: 'ports.json of the coordinator in the Debian root' });
      const agent = spawnChild({ name: 'vigil-agent (Debian 12 root)', command: '/usr/sbin/chroot', args: [chroot, '/usr/bin/vigil-agent', '--config', '/etc/vigil/agent.yaml', '--coordinator', `127.0.0.1:${ports.grpc}`, '--host-id', 'deb12', '--interval', '500ms', '--data-dir', '/var/lib/vigil-agent'], env });
      await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${ports.http}/v1/hosts`).catch(() => undefined);
        const hosts = res?.ok ? ((await res.json()) as { hosts: { id: string; state: string }[] }).hosts : [];
        return hosts.find((h) => h.id === 'deb12' && h.state === 'online');
      }, { timeoutMs: 20_000, what: 'the agent of the Debian root online at its coordinator', observe: () => `${agent.output()}\n${coordinator.output()}` });
      expect((await agent.stop()).code).toBe(0);
      expect((await coordinator.stop()).code).toBe(0);
      expect(owner('/var/lib/vigil-coordinator/vigil.db')).toBe('vigil-coordinator 600');

      // Upgrade in place keeps a changed conffile; remove keeps config and state; purge
      // deletes the state, the config and the unit's enable link, and keeps the user.
      writeFileSync(join(chroot, 'etc/vigil/agent.yaml'), `${readFileSync(join(chroot, 'etc/vigil/agent.yaml'), 'utf8')}\n# changed on this host\n`);
      inRoot(['dpkg', '-i', ...debs.map((d) => `/tmp/${d}`)]);
      expect(readFileSync(join(chroot, 'etc/vigil/agent.yaml'), 'utf8')).toContain('# changed on this host');
      inRoot(['dpkg', '-r', 'vigil-coordinator']);
      expect(existsSync(join(chroot, 'usr/bin/vigil-coordinator'))).toBe(false);
      expect(existsSync(join(chroot, 'etc/vigil/coordinator.yaml'))).toBe(true);
      expect(existsSync(join(chroot, 'var/lib/vigil-coordinator/vigil.db'))).toBe(true);
      inRoot(['dpkg', '-P', 'vigil-coordinator']);
      expect(existsSync(join(chroot, 'var/lib/vigil-coordinator'))).toBe(false);
      expect(existsSync(join(chroot, 'etc/vigil/coordinator.yaml'))).toBe(false);
      expect(inRoot(['getent', 'passwd', 'vigil-coordinator'])).toMatch(/^vigil-coordinator:/);
      report('debian12_root_check', (Date.now() - t0) / 1000, 's');
    } finally {
      for (const m of mounts) {
        try {
          execFileSync('umount', [m], { stdio: 'pipe' });
        } catch {
          execFileSync('umount', ['-l', m], { stdio: 'pipe' });
        }
      }
    }
  }, 120_000);
});
