// Where the watched processes run: one network namespace joined to the root namespace by a
// veth pair on a private /30 of 10.198.0.0/16, so its link can be cut; or, without
// namespaces, 127.0.0.1 (no cut-link fault then).
//
//   root namespace                          namespace vigil-det<K>
//   vdt<K>r  10.198.K.1/30  ═══ veth ═══  eth0  10.198.K.2/30
//   route "unreachable 10.198.K.0/30 metric 4242"
//
// The link is cut inside the namespace (`ip -n NS link set eth0 down`): the root end keeps
// its address and route, and what the coordinator or Prometheus sends to the host is
// dropped by the veth without a FIN, RST or ICMP, as when a cable is pulled. The guard
// route keeps the subnet's traffic from ever following the default route out of the
// machine should the root end's route go away.
import { execFileSync } from 'node:child_process';
import { spawnChild } from '@vigil/testkit';

const PREFIX = '10.198';
const GUARD_METRIC = '4242';

function ip(...args) {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`ip ${args.join(' ')}: ${String(err.stderr ?? err.message).trim()}`, { cause: err });
  }
}

function ipQuiet(...args) {
  try {
    execFileSync('ip', args, { stdio: 'ignore', timeout: 5000 });
  } catch {
    // already gone
  }
}

/** Why namespaces cannot be used here, or undefined when they can (checked by adding one). */
export function netnsUnavailable() {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `vigil-detchk-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
  } catch (err) {
    return `ip netns add is not permitted here: ${String(err.stderr ?? err.message).trim()}`;
  }
  ipQuiet('netns', 'del', probe);
  return undefined;
}

/** Third octets of 10.198.K.0/24 that no route or address of this machine touches. */
function freeOctets() {
  const used = new Set();
  const routes = JSON.parse(ip('-j', '-4', 'route', 'show', 'table', 'all'));
  const addrs = JSON.parse(ip('-j', '-4', 'addr'));
  const seen = [...routes.map((r) => r.dst ?? ''), ...addrs.flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? ''))];
  for (const d of seen) {
    const m = /^10\.198\.(\d+)\./.exec(d);
    if (m) used.add(Number(m[1]));
    if (d === '10.0.0.0/8' || d === '10.0.0.0/9' || d === '10.128.0.0/9' || d.startsWith('10.198.0.0/')) return [];
  }
  const out = [];
  for (let k = 0; k < 250; k++) {
    const octet = 1 + ((process.pid + k) % 250);
    if (!used.has(octet)) out.push(octet);
  }
  return out;
}

/** A host in a namespace of its own, with a link that can be cut. */
export class NetnsHost {
  static create() {
    for (const octet of freeOctets()) {
      const rootLink = `vdt${octet}r`;
      try {
        // The root end's name is the claim: a second creator gets "File exists".
        ip('link', 'add', rootLink, 'type', 'veth', 'peer', 'name', `vdt${octet}n`);
      } catch (err) {
        if (/exists/i.test(err.message)) continue;
        throw err;
      }
      const host = new NetnsHost(octet, rootLink);
      try {
        host.#build();
      } catch (err) {
        host.destroy();
        throw err;
      }
      return host;
    }
    throw new Error(`no free /30 left in ${PREFIX}.0.0/16`);
  }

  constructor(octet, rootLink) {
    this.octet = octet;
    this.rootLink = rootLink;
    this.ns = `vigil-det${octet}`;
    this.rootAddress = `${PREFIX}.${octet}.1`;
    this.address = `${PREFIX}.${octet}.2`;
    this.subnet = `${PREFIX}.${octet}.0/30`;
    this.canCut = true;
    this.destroyed = false;
    this.onExit = () => this.destroy();
    process.once('exit', this.onExit);
  }

  #build() {
    ip('netns', 'add', this.ns);
    ip('link', 'set', `vdt${this.octet}n`, 'netns', this.ns);
    ip('-n', this.ns, 'link', 'set', `vdt${this.octet}n`, 'name', 'eth0');
    ip('addr', 'add', `${this.rootAddress}/30`, 'dev', this.rootLink);
    ip('link', 'set', this.rootLink, 'up');
    ip('-n', this.ns, 'addr', 'add', `${this.address}/30`, 'dev', 'eth0');
    ip('-n', this.ns, 'link', 'set', 'eth0', 'up');
    ip('-n', this.ns, 'link', 'set', 'lo', 'up');
    ip('route', 'add', 'unreachable', this.subnet, 'metric', GUARD_METRIC);
  }

  describe() {
    return `namespace ${this.ns}, ${this.address} via ${this.rootLink} (${this.rootAddress})`;
  }

  /** Runs argv inside the namespace; `ip netns exec` execs in place, so the PID is the program's. */
  exec(name, argv, env) {
    return spawnChild({ name, command: 'ip', args: ['netns', 'exec', this.ns, ...argv], env });
  }

  cut() {
    ip('-n', this.ns, 'link', 'set', 'eth0', 'down');
  }

  restore() {
    ip('-n', this.ns, 'link', 'set', 'eth0', 'up');
  }

  /** Removes the veth pair, the guard route and the namespace (stop what runs inside first). */
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    process.off('exit', this.onExit);
    // Whatever still runs inside was started by the bench; the namespace lives as long as it does.
    let pids = [];
    try {
      pids = execFileSync('ip', ['netns', 'pids', this.ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/).filter((p) => /^\d+$/.test(p));
    } catch {
      // no namespace
    }
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    ipQuiet('link', 'del', this.rootLink);
    ipQuiet('netns', 'del', this.ns);
    ipQuiet('route', 'del', 'unreachable', this.subnet, 'metric', GUARD_METRIC);
  }
}

/** The fallback without namespaces: everything on 127.0.0.1, no link to cut. */
export class LoopbackHost {
  constructor() {
    this.rootAddress = '127.0.0.1';
    this.address = '127.0.0.1';
    this.canCut = false;
  }

  describe() {
    return 'loopback 127.0.0.1 (no namespace)';
  }

  exec(name, argv, env) {
    return spawnChild({ name, command: argv[0], args: argv.slice(1), env });
  }

  cut() {
    throw new Error('no link to cut on loopback');
  }

  restore() {}

  destroy() {}
}
