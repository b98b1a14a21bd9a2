import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../helpers/agent.js';
import { ApiClient } from '../helpers/api-client.js';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { runVigil, runVigilOnTty, startVigil, type VigilRun } from '../helpers/vigil-cli.js';

/**
 * The `vigil` command line, the built binary run as a child process against a real
 * coordinator and real agents: tables for people, JSON for scripts, colour only on a
 * terminal, exit codes by kind of failure, actions recorded under the token's name.
 */
const OPERATOR = { name: 'alice', role: 'operator' as const, token: 'operator-token-for-the-cli-test-0123456' };
const VIEWER = { name: 'bob', role: 'viewer' as const, token: 'viewer-token-for-the-cli-test-01234567' };
const ESC = '\x1b[';

let coordinator: Coordinator;
let api: ApiClient;
const agents = new Map<string, Agent>();
/** The coordinator and the operator's token, as the environment gives them. */
let env: Record<string, string>;
const vigil = (args: string[], extra: Record<string, string | undefined> = {}): Promise<VigilRun> => runVigil(args, { ...env, ...extra });
const json = <T>(r: VigilRun): T => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

describe('cli - vigil against a real coordinator', () => {
  dumpLogsOnFailure();

  beforeAll(async () => {
    const configFile = join(tempDir('coordinator-config'), 'coordinator.yaml');
    const tokens = [OPERATOR, VIEWER].map((t) => ({ name: t.name, role: t.role, sha256: createHash('sha256').update(t.token, 'utf8').digest('hex') }));
    // SSH probes give up after 3 s: the streamed diagnosis test holds one that long.
    writeFileSync(configFile, `${JSON.stringify({ tokens, eventsKeepAlive: '200ms', sshTimeout: '3s' })}\n`);
    coordinator = await Coordinator.start({ nats: 'none', logLevel: 'warn', extraArgs: ['--config', configFile] });
    api = new ApiClient(coordinator.baseUrl, { token: OPERATOR.token });
    env = { VIGIL_URL: coordinator.baseUrl, VIGIL_TOKEN: OPERATOR.token };
    for (const [id, zone] of [['web-1', 'eu'], ['app-1', 'eu'], ['db-1', 'us']] as const) {
      agents.set(id, startAgent({ coordinator: coordinator.grpcTarget, hostId: id, labels: { zone }, logLevel: 'warn' }));
    }
    await waitFor(async () => {
      const { hosts } = await api.get<{ hosts: { id: string; state: string; connected: boolean }[] }>('/v1/hosts');
      return hosts.length === 3 && hosts.every((h) => h.state === 'online' && h.connected);
    }, { timeoutMs: 20_000, what: 'three agents online' });
  });
  afterAll(async () => {
    await stopAllChildren(5000);
    removeTempDirs();
  });

  it('cli - hosts: an aligned table for people, no colour when stdout is not a terminal', async () => {
    const r = await vigil(['hosts']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^HOST\s+STATE\s+SINCE\s+LAST SEEN\s+AGENT\s+LABELS\s+INCIDENTS\s+SERVICES$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0]).sort()).toEqual(['app-1', 'db-1', 'web-1']);
    // Every column starts where its header does.
    for (const header of ['STATE', 'AGENT', 'LABELS']) {
      const at = lines[0]!.indexOf(header);
      for (const l of lines.slice(1)) expect(l[at - 1], `${header} in ${JSON.stringify(l)}`).toBe(' ');
      for (const l of lines.slice(1)) expect(l[at], `${header} in ${JSON.stringify(l)}`).not.toBe(' ');
    }
    expect(lines.find((l) => l.startsWith('web-1'))).toMatch(/online.*yes\s+zone=eu\s+0\s+-$/);
  });

  it('cli - hosts -o json is the API answer; the filters reach the API', async () => {
    const all = json<{ hosts: { id: string }[] }>(await vigil(['hosts', '-o', 'json']));
    const fromApi = await api.get<{ hosts: { id: string }[] }>('/v1/hosts');
    expect(all.hosts.map((h) => h.id).sort()).toEqual(fromApi.hosts.map((h) => h.id).sort());
    const eu = json<{ hosts: { id: string }[] }>(await vigil(['hosts', '--label', 'zone=eu', '--state', 'online', '-o', 'json']));
    expect(eu.hosts.map((h) => h.id).sort()).toEqual(['app-1', 'web-1']);
    const us = json<{ hosts: { id: string }[] }>(await vigil(['hosts', '--zone', 'us', '--connected', '--output=json']));
    expect(us.hosts.map((h) => h.id)).toEqual(['db-1']);
    const search = json<{ hosts: { id: string }[] }>(await vigil(['hosts', '-q', 'app', '-o', 'json']));
    expect(search.hosts.map((h) => h.id)).toEqual(['app-1']);
    const page = json<{ hosts: { id: string }[]; total: number; nextCursor?: string }>(await vigil(['hosts', '--limit', '1', '-o', 'json']));
    expect(page.hosts.map((h) => h.id)).toEqual(['app-1']);
    expect(page.total).toBe(3);
    expect(page.nextCursor).toEqual(expect.any(String));
    const limited = await vigil(['hosts', '--limit', '2']);
    expect(limited.stderr).toContain('2 of 3 hosts shown');
    expect((await vigil(['hosts', '--limit', '0'])).code).toBe(2);
  });

  it('cli - colour on a terminal; NO_COLOR and --no-color turn it off', async () => {
    const tty = await runVigilOnTty(['hosts'], env);
    expect(tty.code, tty.stdout).toBe(0);
    expect(tty.stdout).toContain(`${ESC}32monline${ESC}39m`);
    const noColor = await runVigilOnTty(['hosts'], { ...env, NO_COLOR: '1' });
    expect(noColor.stdout).toContain('online');
    expect(noColor.stdout).not.toContain(ESC);
    const flag = await runVigilOnTty(['hosts', '--no-color'], env);
    expect(flag.stdout).toContain('online');
    expect(flag.stdout).not.toContain(ESC);
    // JSON is for scripts: never coloured, even on a terminal.
    const j = await runVigilOnTty(['hosts', '-o', 'json'], env);
    expect(j.stdout).not.toContain(ESC);
  });

  it('cli - exit codes: bad token 4, viewer acting 4, unknown host 3, bad flag 2, unreachable 1', async () => {
    const bad = await vigil(['hosts'], { VIGIL_TOKEN: 'not-a-token-anyone-has' });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/token is not valid.*HTTP 401/);
    const viewer = await vigil(['silence', 'add', '--host', 'web-1', '--for', '1h', '-m', 'x'], { VIGIL_TOKEN: VIEWER.token });
    expect(viewer.code).toBe(4);
    expect(viewer.stderr).toContain('HTTP 403');
    const missing = await vigil(['host', 'no-such-host']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no host "no-such-host"');
    expect((await vigil(['diagnose', 'no-such-host'])).code).toBe(3);
    expect((await vigil(['incident', 'inc-nope'])).code).toBe(3);
    const state = await vigil(['hosts', '--state', 'sleeping']);
    expect(state.code).toBe(2);
    expect(state.stderr).toContain('--state: must be one of online, suspect, silent, left (got "sleeping")');
    const unknownFlag = await vigil(['incidents', '--colour']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("'--colour'");
    expect((await vigil(['frobnicate'])).code).toBe(2);
    expect((await vigil(['host'])).code).toBe(2);
    const down = await vigil(['hosts'], { VIGIL_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the coordinator at http://127.0.0.1:9');
  });

  it('cli - config: flags over VIGIL_URL/VIGIL_TOKEN over the config file; a bad file value is named', async () => {
    const dir = tempDir('vigil-config');
    const file = join(dir, 'cli.json');
    writeFileSync(file, JSON.stringify({ url: coordinator.baseUrl, token: OPERATOR.token, output: 'json' }));
    // Only the file: it is enough, its output setting included.
    const fromFile = await runVigil(['hosts', '--config', file]);
    expect(json<{ hosts: unknown[] }>(fromFile).hosts).toHaveLength(3);
    // The environment wins over the file, the flag over the environment.
    expect((await runVigil(['hosts', '--config', file], { VIGIL_TOKEN: 'not-a-token-anyone-has' })).code).toBe(4);
    expect((await runVigil(['hosts', '--config', file, '--token', OPERATOR.token], { VIGIL_TOKEN: 'not-a-token-anyone-has' })).code).toBe(0);
    expect((await runVigil(['hosts', '--config', file, '-o', 'table'])).stdout).toMatch(/^HOST\s+STATE/);
    // The default place: $XDG_CONFIG_HOME/vigil/cli.json.
    const xdg = tempDir('vigil-xdg');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(xdg, 'vigil'));
    writeFileSync(join(xdg, 'vigil', 'cli.json'), JSON.stringify({ url: coordinator.baseUrl, token: OPERATOR.token }));
    expect((await runVigil(['hosts'], { XDG_CONFIG_HOME: xdg })).code).toBe(0);

    writeFileSync(file, JSON.stringify({ url: 'ftp://example', tokn: 'x' }));
    const badFile = await runVigil(['hosts', '--config', file]);
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toContain('url: must be an http:// or https:// URL (got "ftp://example")');
    expect(badFile.stderr).toContain('"tokn"');
    const badTimeout = await vigil(['hosts', '--timeout', 'soon']);
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain('--timeout: must be a duration like 10s or 2m (got "soon")');
    expect((await runVigil(['hosts', '--config', join(dir, 'absent.json')])).stderr).toContain('does not exist');
  });

  it("cli - diagnose shows each vantage's answer as it arrives, then the path and verdict", async () => {
    const r = await vigil(['diagnose', 'web-1']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^diagnosing web-1 from coordinator, (app-1, db-1|db-1, app-1)$/m);
    for (const v of ['coordinator', 'app-1', 'db-1']) {
      expect(out).toMatch(new RegExp(`^  ${v} \\[network\\]  ping ok`, 'm'));
      expect(out).toMatch(new RegExp(`^  ${v} \\[checks\\]`, 'm'));
    }
    // The answers come before the summary built from them.
    expect(out.indexOf('[network]')).toBeLessThan(out.indexOf('Decision path'));
    expect(out).toMatch(/^ {2}1\. network_connectivity: ping: 3\/3 vantages answered/m);
    expect(out).toMatch(/^verdict: healthy \(confidence [\d.]+, \d+ ms\)$/m);
    const j = json<{ diagnosis: { hostId: string; vantages: unknown[]; verdict: { outcome: { class: string } } } }>(await vigil(['diagnose', 'web-1', '-o', 'json']));
    expect(j.diagnosis).toMatchObject({ hostId: 'web-1', verdict: { outcome: { class: 'healthy' } } });
    expect(j.diagnosis.vantages).toHaveLength(3);
  });

  it('cli - diagnose streams: the network step is printed while an SSH probe is still waiting for a banner', async () => {
    // An "SSH server" that accepts and never speaks: the SSH step waits out its timeout.
    const { createServer } = await import('node:net');
    const held: import('node:net').Socket[] = [];
    const mute = createServer((sock) => void held.push(sock));
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const port = (mute.address() as import('node:net').AddressInfo).port;
    try {
      agents.set('slow-1', startAgent({ coordinator: coordinator.grpcTarget, hostId: 'slow-1', labels: { zone: 'eu' }, logLevel: 'warn', extraArgs: ['--ssh-port', String(port)] }));
      await waitFor(async () => (await api.get<{ host: { connected: boolean } }>('/v1/hosts/slow-1').catch(() => undefined))?.host.connected, { timeoutMs: 15_000, what: 'slow-1 connected' });
      const started = performance.now();
      const d = startVigil(['diagnose', 'slow-1'], env);
      const network = await waitFor(() => (/^ {2}coordinator \[network\]/m.test(d.stdout.text()) ? d.stdout.text() : undefined), { timeoutMs: 10_000, what: 'the network step on stdout', observe: () => d.output() });
      const networkAt = performance.now() - started;
      // The SSH probes are still out: no vantage has its checks yet, and vigil is still running.
      expect(network).not.toContain('[checks]');
      expect(d.running).toBe(true);
      expect(await d.waitExit(20_000)).toEqual({ code: 0, signal: null });
      const out = d.stdout.text();
      expect(out).toMatch(/^ {2}coordinator \[checks\] {2}ssh fail \(no_banner\)/m);
      expect(performance.now() - started - networkAt).toBeGreaterThan(1000);
      expect(out).toMatch(/^verdict: healthy/m);
      // A deadline shorter than the SSH wait: exit 1 naming it, not a stack trace.
      const short = await vigil(['diagnose', 'slow-1', '--timeout', '1s']);
      expect(short.code).toBe(1);
      expect(short.stderr).toMatch(/^vigil: .*within 1000 ms/);
      expect(short.stderr).not.toContain('    at ');
    } finally {
      for (const s of held) s.destroy();
      mute.close();
    }
  });

  it("cli - an incident: list, detail with decision path and vantages, ack and resolve under the token's name", async () => {
    await agents.get('db-1')!.kill();
    const [incident] = await waitFor(async () => {
      const r = json<{ incidents: { id: string; hostId: string; state: string }[] }>(await vigil(['incidents', '--open', '--host', 'db-1', '-o', 'json']));
      return r.incidents.length > 0 ? r.incidents : undefined;
    }, { timeoutMs: 25_000, what: 'an open incident for db-1' });
    const id = incident!.id;

    const list = await vigil(['incidents', '--open']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+STATE\s+LEVEL\s+CLASS\s+HOST\s+OPENED\s+SUMMARY$/m);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+open\\s+L1\\s+\\w+\\s+db-1`, 'm'));
    const byClass = json<{ incidents: { id: string }[] }>(await vigil(['incidents', '--class', 'network_issue', '-o', 'json']));
    const detailApi = await api.get<{ incident: { class: string; diagnosis: { path: { node: string; finding: string }[]; immediateActions: string[] } } }>(`/v1/incidents/${id}`);
    expect(byClass.incidents.some((i) => i.id === id)).toBe(detailApi.incident.class === 'network_issue');

    const detail = await vigil(['incident', id]);
    expect(detail.code, detail.stderr).toBe(0);
    expect(detail.stdout).toMatch(new RegExp(`^incident\\s+${id}$`, 'm'));
    expect(detail.stdout).toMatch(/^state\s+open, level L1/m);
    expect(detail.stdout).toContain('Timeline');
    // The decision path step by step, each vantage's answers, the class's immediate actions.
    const d = detailApi.incident.diagnosis;
    expect(d.path.length).toBeGreaterThan(0);
    expect(detail.stdout).toContain('Decision path');
    d.path.forEach((step, n) => expect(detail.stdout).toContain(`  ${n + 1}. ${step.node}: ${step.finding}`));
    expect(detail.stdout).toMatch(/^VANTAGE\s+KIND\s+PING\s+DNS\s+SSH\s+PORTS\s+NOTE$/m);
    expect(detail.stdout).toMatch(/^coordinator\s+coordinator\s+(ok|fail)/m);
    expect(detail.stdout).toMatch(/^(web-1|app-1)\s+peer\s+(ok|fail)/m);
    for (const a of d.immediateActions) expect(detail.stdout).toContain(`  - ${a}`);

    const ack = await vigil(['ack', id, '-m', 'looking at it']);
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout.trim()).toBe(`${id}: acknowledged by alice`);
    const acked = await api.get<{ incident: { state: string; acknowledgedBy: string } }>(`/v1/incidents/${id}`);
    expect(acked.incident).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'alice' });
    const again = await vigil(['ack', id]);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('HTTP 409');

    const noMessage = await vigil(['resolve', id]);
    expect(noMessage.code).toBe(2);
    expect(noMessage.stderr).toContain('-m TEXT is required');
    const resolved = json<{ incident: { state: string; resolvedBy: string; resolution: string } }>(await vigil(['resolve', id, '-m', 'replaced the agent', '-o', 'json']));
    expect(resolved.incident).toMatchObject({ state: 'resolved', resolvedBy: 'alice', resolution: 'replaced the agent' });
    expect((await vigil(['resolve', id, '-m', 'twice'])).code).toBe(5);
  });

  it('cli - silences: add, list, rm; removing it twice is not found', async () => {
    const add = json<{ silence: { id: string; host: string; createdBy: string } }>(await vigil(['silence', 'add', '--host', 'web-1', '--for', '2h', '-m', 'disk swap', '-o', 'json']));
    expect(add.silence).toMatchObject({ host: 'web-1', createdBy: 'alice' });
    const list = await vigil(['silence', 'list']);
    expect(list.stdout).toMatch(new RegExp(`^${add.silence.id}\\s+web-1\\s+\\*\\s+\\*\\s+in (1h59m|2h)\\s+alice\\s+disk swap$`, 'm'));
    expect((await vigil(['silence', 'rm', add.silence.id])).code).toBe(0);
    expect((await api.get<{ silences: unknown[] }>('/v1/silences')).silences).toEqual([]);
    expect((await vigil(['silence', 'rm', add.silence.id])).code).toBe(3);
    const neither = await vigil(['silence', 'add', '--host', 'web-1', '-m', 'x']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('exactly one of --for and --until');
    const badDuration = await vigil(['silence', 'add', '--host', 'web-1', '--for', 'forever', '-m', 'x']);
    expect(badDuration.code).toBe(2);
    expect(badDuration.stderr).toContain('forever');
  });

  it('cli - predictions, status and service actions answer', async () => {
    const p = await vigil(['predictions']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^ID\s+STATE\s+RULE\s+HOST\s+FAILS\s+ACTION$/m);
    expect(json<{ predictions: unknown[] }>(await vigil(['predictions', '-o', 'json'])).predictions).toBeInstanceOf(Array);
    const s = await vigil(['status']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^status\s+ok$/m);
    expect(s.stdout).toMatch(/^nats\s+disabled$/m);
    const series = await waitFor(async () => {
      const r = json<{ metric: string; points: [number, number][] }>(await vigil(['series', 'web-1', '-o', 'json']));
      return r.points.length > 0 ? r : undefined;
    }, { timeoutMs: 20_000, what: "web-1's memory series to have a point" });
    expect(series.metric).toBe('memory');
    const chart = await vigil(['series', 'web-1', '--width', '10']);
    expect(chart.code, chart.stderr).toBe(0);
    expect(chart.stdout).toMatch(/^series\s+web-1 memory /m);
    expect(chart.stdout).toMatch(/^chart\s+[▁▂▃▄▅▆▇█]{1,10}$/m);
    expect((await vigil(['series', 'web-1', '--metric', 'nonsense'])).code).toBe(2);
    const undeclared = await vigil(['service', 'restart', 'web-1', 'nope']);
    expect(undeclared.code).toBe(3);
    expect(undeclared.stderr).toContain('service "nope" is not declared by host "web-1"');
  });

  it('cli - --help on every command, listed by vigil --help', async () => {
    const top = await vigil(['--help']);
    expect(top.code).toBe(0);
    const commands = top.stdout
      .split('Commands:\n')[1]!
      .split('\n\n')[0]!
      .split('\n')
      .map((l) => l.trim().split(/\s{2,}/)[0]!.split(' ').filter((w) => /^[a-z][a-z-]*$/.test(w)).join(' '));
    expect(commands).toEqual(expect.arrayContaining(['hosts', 'host', 'incidents', 'incident', 'ack', 'resolve', 'silence add', 'silence list', 'silence rm', 'diagnose', 'predictions', 'watch', 'service restart', 'completion']));
    for (const c of commands) {
      const r = await vigil([...c.split(' '), '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`^Usage: vigil ${c}\\b`));
      expect(r.stdout, c).toContain('Exit codes:');
    }
  });

  it('cli - bash completion: sourced, registered for vigil, completes commands, flags, choices and host ids', async () => {
    const { execFileSync } = await import('node:child_process');
    const { vigilEnv, VIGIL_BIN } = await import('../helpers/vigil-cli.js');
    const bin = tempDir('vigil-bin');
    writeFileSync(join(bin, 'vigil'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(VIGIL_BIN)} "$@"\n`, { mode: 0o755 });
    const script = [
      'source <(vigil completion bash)',
      'complete -p vigil',
      'complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _vigil; echo "${COMPREPLY[*]}"; }',
      'complete_words vigil ""',
      'complete_words vigil in',
      'complete_words vigil silence ""',
      'complete_words vigil incidents --cl',
      'complete_words vigil incidents --class net',
      'complete_words vigil host w',
    ].join('\n');
    const out = execFileSync('bash', ['-c', script], { env: vigilEnv({ ...env, PATH: `${bin}:${process.env.PATH}` }), encoding: 'utf8' }).split('\n');
    expect(out[0]).toBe('complete -F _vigil vigil');
    expect(out[1]!.split(' ')).toEqual(expect.arrayContaining(['hosts', 'host', 'incidents', 'incident', 'ack', 'resolve', 'silence', 'diagnose', 'predictions', 'watch', 'service', 'completion']));
    expect(out[2]!.split(' ').sort()).toEqual(['incident', 'incidents']);
    expect(out[3]!.split(' ').sort()).toEqual(['add', 'list', 'rm']);
    expect(out[4]).toBe('--class');
    expect(out[5]).toBe('network_issue');
    expect(out[6]).toBe('web-1');
    const zsh = await vigil(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef vigil/);
    // zsh loads it and registers _vigil for vigil.
    const zshScript = 'autoload -U compinit; compinit -u -d "$ZCOMPDUMP"; source <(vigil completion zsh); print -r -- $_comps[vigil]';
    const zshOut = execFileSync('zsh', ['-fc', zshScript], { env: vigilEnv({ ...env, PATH: `${bin}:${process.env.PATH}`, ZCOMPDUMP: join(bin, 'zcompdump') }), encoding: 'utf8' });
    expect(zshOut.trim()).toBe('_vigil');
    expect((await vigil(['completion', 'fish'])).code).toBe(2);
  });

  it('cli - watch prints a host going silent after its agent is killed, live from /v1/events; Ctrl-C ends it with 0', async () => {
    const all = startVigil(['watch'], env);
    const onlyApp = startVigil(['watch', '--host', 'app-1', '-o', 'json'], env);
    for (const w of [all, onlyApp]) await waitFor(() => w.stderr.text().includes('vigil: watching'), { timeoutMs: 10_000, what: 'vigil watch to connect', observe: () => w.output() });
    await agents.get('app-1')!.kill();
    const line = await waitFor(() => all.stdout.text().split('\n').find((l) => /^\d\d:\d\d:\d\d {2}host\.silent\s+app-1\s/.test(l)), {
      timeoutMs: 15_000,
      what: 'watch to print app-1 going silent',
      observe: () => all.output(),
    });
    expect(line).toMatch(/→ silent/);
    expect(all.stdout.text()).not.toContain(ESC);
    // The JSON lines: only app-1's events, each the event's data.
    const events = await waitFor(() => {
      const lines = onlyApp.stdout.text().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { seq: number; subject: string });
      return lines.some((e) => e.subject === 'vigil.v1.host.silent.app-1') ? lines : undefined;
    }, { timeoutMs: 10_000, what: 'the JSON watch to see app-1 silent', observe: () => onlyApp.output() });
    expect(events.every((e) => e.subject.endsWith('.app-1'))).toBe(true);
    for (const w of [all, onlyApp]) {
      w.signal('SIGINT');
      expect(await w.waitExit(5000)).toEqual({ code: 0, signal: null });
    }

    // The coordinator restarts under a running watch: it says so, reconnects by itself and
    // resumes after the last event it printed.
    const resumed = startVigil(['watch'], env);
    await waitFor(() => resumed.stderr.text().includes('vigil: watching'), { timeoutMs: 10_000, what: 'watch to connect' });
    await coordinator.restart();
    await waitFor(() => /reconnecting/.test(resumed.stderr.text()) && (resumed.stderr.text().match(/vigil: watching/g) ?? []).length >= 2, { timeoutMs: 15_000, what: 'watch to reconnect after the restart', observe: () => resumed.output() });
    await agents.get('web-1')!.kill();
    await waitFor(() => /host\.silent\s+web-1\s/.test(resumed.stdout.text()), { timeoutMs: 15_000, what: 'web-1 silent after the reconnect', observe: () => resumed.output() });
    const seen = resumed.stdout.text().split('\n').filter(Boolean);
    expect(new Set(seen).size).toBe(seen.length);
    resumed.signal('SIGINT');
    expect((await resumed.waitExit(5000)).code).toBe(0);

    // A script's replay: everything retained after seq 0, the first three, then exit 0.
    const replay = await vigil(['watch', '--since', '0', '--count', '3', '-o', 'json']);
    expect(replay.code, replay.stderr).toBe(0);
    const seqs = replay.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs).toHaveLength(3);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect((await vigil(['watch', '--since', 'yesterday'])).code).toBe(2);
  });
});
