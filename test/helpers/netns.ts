import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pidAlive } from '@vigil/testkit/pid-alive';
import { spawnChild, type Child } from './processes.js';

/**
 * Test hosts as Linux network namespaces on a bridge of the test's own.
 *
 * Layout of one `TestNet` (N is the claimed third octet):
 *
 *   root namespace                       namespace vigil-<tag>N-<i>
 *   bridge vgb<N>, 10.199.N.1/24  ──  vg<N>h<i> ═══ veth ═══ eth0, 10.199.N.<10+i>/24
 *   route "unreachable 10.199.N.0/24 metric 4242"
 *
 * The coordinator and nats-server stay in the root namespace; agents and SSH-banner
 * servers run inside the namespaces (`exec`). The guard route keeps traffic for the test
 * subnet from ever following the default route out of the machine when the bridge is down
 * (`cutCoordinator`): it is refused locally instead. Namespaces have no default route.
 *
 * Every namespace, veth, route and bridge made here is listed in a claim file
 * (`$TMPDIR/vigil-netns/<N>.json`) and removed by `destroy()`, by a process exit hook, or
 * by the next `TestNet.create()` once the process that made it is gone.
 */

const run = promisify(execFile);

/** Where claims are recorded, one file per claimed subnet. */
const CLAIMS_DIR = join(tmpdir(), 'vigil-netns');
const SUBNET_PREFIX = '10.199';
const FIRST_OCTET = 20;
const OCTETS = 200;
/** A worse metric than the bridge's own route (0): that one wins while the bridge is up. */
const GUARD_METRIC = '4242';

export class IpCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`ip ${args.join(' ')}: ${stderr.trim() || 'failed'}`, options);
    this.name = 'IpCommandError';
  }
}

async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args, { timeout: 10_000, encoding: 'utf8' });
    return stdout;
  } catch (err) {
    throw new IpCommandError(args, String((err as { stderr?: unknown }).stderr ?? (err as Error).message), { cause: err });
  }
}

/** For clean-up paths that must not throw: a missing device is already clean. */
function ipQuiet(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'ignore', timeout: 5000 });
  } catch {
    // already gone, or never made
  }
}

/** What one process made; enough to remove all of it without that process. */
interface Claim {
  pid: number;
  octet: number;
  bridge: string;
  guardRoute: string;
  links: string[];
  namespaces: string[];
  /** Processes of the test in the root namespace (coordinator, nats-server), each with a string its command line must hold. */
  processes?: { pid: number; marker: string }[];
}

function claimFile(octet: number): string {
  return join(CLAIMS_DIR, `${octet}.json`);
}

/** PIDs of the processes inside a namespace (`ip netns pids`); [] when it is gone. */
function pidsIn(ns: string): number[] {
  try {
    return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] })
      .split(/\s+/)
      .filter((p) => /^\d+$/.test(p))
      .map(Number);
  } catch {
    return [];
  }
}

function removeClaimed(c: Claim): void {
  // Whatever still runs inside was started there by the test (an agent killed with -9
  // leaves its service processes behind; a killed test worker leaves its agents): a
  // namespace lives as long as a process in it, so these go first, by PID.
  for (const ns of c.namespaces) {
    for (const pid of pidsIn(ns)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
  }
  // Processes in the root namespace only if they still run what was recorded: a PID may
  // have been recycled since.
  for (const p of c.processes ?? []) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (!cmdline.includes(p.marker)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  // Root ends first: deleting one end of a veth deletes both, at once (a namespace
  // deletion frees its devices only when the last process inside has exited).
  for (const l of c.links) ipQuiet(['link', 'del', l]);
  for (const ns of c.namespaces) ipQuiet(['netns', 'del', ns]);
  ipQuiet(['route', 'del', 'unreachable', c.guardRoute, 'metric', GUARD_METRIC]);
  ipQuiet(['link', 'del', c.bridge]);
  rmSync(claimFile(c.octet), { force: true });
}

/** Removes what test processes that no longer run left behind (a crashed or killed worker). */
export function sweepStaleClaims(): void {
  let files: string[];
  try {
    files = readdirSync(CLAIMS_DIR);
  } catch {
    return;
  }
  for (const f of files) {
    if (!/^\d+\.json$/.test(f)) continue;
    let c: Claim;
    try {
      c = JSON.parse(readFileSync(join(CLAIMS_DIR, f), 'utf8')) as Claim;
    } catch {
      continue;
    }
    if (c.pid !== process.pid && !pidAlive(c.pid)) removeClaimed(c);
  }
}

/** a.b.c.d/len → [network as uint32, mask as uint32]; undefined for anything else. */
export function parseCidr(text: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1, 5).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  const len = m[5] === undefined ? 32 : Number(m[5]);
  if (len > 32) return undefined;
  const addr = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return [(addr & mask) >>> 0, mask];
}

/** Whether two IPv4 prefixes share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const pa = parseCidr(a);
  const pb = parseCidr(b);
  if (!pa || !pb) return false;
  const mask = (pa[1] & pb[1]) >>> 0;
  return ((pa[0] & mask) >>> 0) === ((pb[0] & mask) >>> 0);
}

/** Prefixes this machine already uses: every route (but the default) and every address's network. */
async function prefixesInUse(): Promise<string[]> {
  const routes = JSON.parse(await ip('-j', '-4', 'route', 'show', 'table', 'all')) as { dst?: string }[];
  const links = JSON.parse(await ip('-j', '-4', 'addr')) as { addr_info?: { local?: string; prefixlen?: number }[] }[];
  const out = routes.map((r) => r.dst ?? '').filter((d) => d !== '' && d !== 'default');
  for (const l of links) for (const a of l.addr_info ?? []) if (a.local) out.push(`${a.local}/${a.prefixlen ?? 32}`);
  return out;
}

export type NetnsSupport = { ok: true; reason?: undefined } | { ok: false; reason: string };

let support: NetnsSupport | undefined;

/**
 * Whether this process can build test networks: Linux, root, and `ip netns add` allowed
 * (some containers forbid it). Checked once by adding and deleting a namespace. Test files
 * skip with the reason when it is not, unless VIGIL_REQUIRE_NETNS=1 asks them to fail.
 */
export function netnsSupport(): NetnsSupport {
  if (support) return support;
  if (process.platform !== 'linux') return (support = { ok: false, reason: 'network namespaces are Linux only' });
  if (process.getuid?.() !== 0) return (support = { ok: false, reason: 'network namespaces need root' });
  const probe = `vigil-chk-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
  } catch (err) {
    const why = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim();
    return (support = { ok: false, reason: `ip netns add is not permitted here: ${why}` });
  }
  ipQuiet(['netns', 'del', probe]);
  return (support = { ok: true });
}

/** True when the drills should run; false (skip) when namespaces are unavailable and not required. */
export function canRunNetnsTests(): boolean {
  const s = netnsSupport();
  if (!s.ok && process.env.VIGIL_REQUIRE_NETNS !== '1') {
    console.warn(`[skip] network-namespace tests: ${s.reason}`);
    return false;
  }
  return true;
}

export interface NetHost {
  /** 1, 2, ... in the order hosts were added. */
  readonly index: number;
  /** Namespace name, `vigil-<tag>N-<index>`. */
  readonly ns: string;
  /** The host's address on the test subnet. */
  readonly address: string;
  /** Root-namespace end of its veth, a port of the bridge. */
  readonly link: string;
}

export class TestNet {
  private readonly hosts: NetHost[] = [];
  private destroyed = false;
  private readonly onExit = () => this.destroySync();

  private constructor(
    readonly tag: string,
    private readonly claim: Claim,
  ) {
    process.once('exit', this.onExit);
  }

  /**
   * Claims a free /24 of 10.199.0.0/16 (starting from one derived from this process's
   * PID, so parallel test files pick different ones), makes its bridge and guard route.
   * `tag` names the namespaces: 2-6 lower-case letters or digits.
   */
  static async create(tag: string): Promise<TestNet> {
    if (!/^[a-z0-9]{2,6}$/.test(tag)) throw new Error(`netns tag "${tag}": use 2-6 lower-case letters or digits`);
    if (process.getuid?.() !== 0) throw new Error('network namespaces need root');
    mkdirSync(CLAIMS_DIR, { recursive: true });
    sweepStaleClaims();
    const used = await prefixesInUse();
    for (let k = 0; k < OCTETS; k++) {
      const octet = FIRST_OCTET + ((process.pid + k) % OCTETS);
      const subnet = `${SUBNET_PREFIX}.${octet}.0/24`;
      if (used.some((p) => cidrsOverlap(p, subnet))) continue;
      const bridge = `vgb${octet}`;
      try {
        // The bridge name is the claim: creating it is atomic, a second creator gets EEXIST.
        await ip('link', 'add', 'name', bridge, 'type', 'bridge');
      } catch (err) {
        if (err instanceof IpCommandError && /exists/i.test(err.stderr)) continue;
        throw err;
      }
      const claim: Claim = { pid: process.pid, octet, bridge, guardRoute: subnet, links: [], namespaces: [] };
      const net = new TestNet(tag, claim);
      net.save();
      try {
        await ip('addr', 'add', `${net.coordinatorAddress}/24`, 'dev', bridge);
        await ip('link', 'set', bridge, 'up');
        await ip('route', 'add', 'unreachable', subnet, 'metric', GUARD_METRIC);
      } catch (err) {
        net.destroySync();
        throw err;
      }
      return net;
    }
    throw new Error(`no free /24 left in ${SUBNET_PREFIX}.${FIRST_OCTET}-${FIRST_OCTET + OCTETS - 1}.0`);
  }

  get octet(): number {
    return this.claim.octet;
  }

  get subnet(): string {
    return this.claim.guardRoute;
  }

  get bridge(): string {
    return this.claim.bridge;
  }

  /** The bridge's address: where processes in the root namespace (the coordinator) listen. */
  get coordinatorAddress(): string {
    return `${SUBNET_PREFIX}.${this.claim.octet}.1`;
  }

  list(): readonly NetHost[] {
    return this.hosts;
  }

  /** A new namespace joined to the bridge by a veth pair, with its address, links up, `lo` up. */
  async addHost(): Promise<NetHost> {
    this.assertLive();
    const index = this.hosts.length + 1;
    if (index > 200) throw new Error('at most 200 hosts per TestNet');
    const host: NetHost = {
      index,
      ns: `vigil-${this.tag}${this.claim.octet}-${index}`,
      address: `${SUBNET_PREFIX}.${this.claim.octet}.${10 + index}`,
      link: `vg${this.claim.octet}h${index}`, // at most 9 characters, well inside IFNAMSIZ
    };
    this.claim.namespaces.push(host.ns);
    this.save();
    await ip('netns', 'add', host.ns);
    this.claim.links.push(host.link);
    this.save();
    await ip('link', 'add', host.link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.ns);
    await ip('link', 'set', host.link, 'master', this.claim.bridge);
    await ip('link', 'set', host.link, 'up');
    await ip('-n', host.ns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
    await ip('-n', host.ns, 'link', 'set', 'eth0', 'up');
    await ip('-n', host.ns, 'link', 'set', 'lo', 'up');
    this.hosts.push(host);
    return host;
  }

  /** Pulls the host's cable: its bridge port goes down, nothing passes either way. */
  async cutHost(host: NetHost): Promise<void> {
    this.assertOwn(host);
    await ip('link', 'set', host.link, 'down');
  }

  async restoreHost(host: NetHost): Promise<void> {
    this.assertOwn(host);
    await ip('link', 'set', host.link, 'up');
  }

  /** The coordinator's side fails: the bridge goes down and every host is out of reach of the root namespace. */
  async cutCoordinator(): Promise<void> {
    this.assertLive();
    await ip('link', 'set', this.claim.bridge, 'down');
  }

  async restoreCoordinator(): Promise<void> {
    this.assertLive();
    await ip('link', 'set', this.claim.bridge, 'up');
  }

  /**
   * Records a process of the test that runs in the root namespace (a coordinator, a
   * nats-server) so that, should this test process die without its exit hooks, the next
   * `TestNet.create()` ends it along with the namespaces. `marker` is a string its
   * command line holds (e.g. its data dir), so a recycled PID is never touched.
   */
  track(pid: number, marker: string): void {
    this.assertLive();
    (this.claim.processes ??= []).push({ pid, marker });
    this.save();
  }

  /**
   * Runs `argv` inside the host's namespace as a child of this test (`ip netns exec`
   * execs the program in place, so the PID is the program's own and signals reach it).
   */
  exec(host: NetHost, name: string, argv: string[], env?: NodeJS.ProcessEnv): Child {
    this.assertOwn(host);
    if (argv.length === 0) throw new Error('exec: empty argv');
    return spawnChild({ name, command: 'ip', args: ['netns', 'exec', host.ns, ...argv], env });
  }

  /**
   * Removes every namespace, veth, route and the bridge made here. Stop the processes
   * running inside first (their namespace lives until they exit).
   */
  async destroy(): Promise<void> {
    this.destroySync();
  }

  private destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.off('exit', this.onExit);
    removeClaimed(this.claim);
  }

  private save(): void {
    writeFileSync(claimFile(this.claim.octet), `${JSON.stringify(this.claim)}\n`);
  }

  private assertLive(): void {
    if (this.destroyed) throw new Error(`TestNet ${this.claim.bridge} was destroyed`);
  }

  private assertOwn(host: NetHost): void {
    this.assertLive();
    if (!this.hosts.includes(host)) throw new Error(`${host.ns} is not a host of ${this.claim.bridge}`);
  }
}
