// Vigil's side: a real nats-server, a real vigil-coordinator and a real vigil-agent at the
// shipped defaults (no interval or detector flags), the agent on the bench's host. An
// outage is reported when `vigil.v1.host.silent.<host>` arrives on NATS, timestamped here.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_BIN, Coordinator, NatsServer, REPO_ROOT, waitFor } from '@vigil/testkit';
import { connect } from 'nats';
import { applyFault, firstAfter, restoreFault } from './faults.mjs';

const HOST_ID = 'detect-host';
const TOKEN = HOST_ID.replaceAll('.', '_');

/** The coordinator's certificate also names the root end of the veth, where agents reach it. */
function makeCerts(dir, rootAddress) {
  const san = rootAddress === '127.0.0.1' ? 'DNS:localhost,IP:127.0.0.1' : `DNS:localhost,IP:127.0.0.1,IP:${rootAddress}`;
  execFileSync('bash', [join(REPO_ROOT, 'scripts/make-certs.sh'), '--server-san', san, dir, HOST_ID], { stdio: 'ignore', timeout: 30_000 });
  return {
    ca: join(dir, 'ca.crt'),
    server: { ca: join(dir, 'ca.crt'), cert: join(dir, 'coordinator.crt'), key: join(dir, 'coordinator.key') },
    agent: { cert: join(dir, 'agents', `${HOST_ID}.crt`), key: join(dir, 'agents', `${HOST_ID}.key`) },
  };
}

export class VigilSide {
  name = 'vigil';

  /** @param {{ host: import('./netns.mjs').NetnsHost | import('./netns.mjs').LoopbackHost, work: string }} o */
  static async start({ host, work }) {
    const v = new VigilSide(host, work);
    await v.#start();
    return v;
  }

  constructor(host, work) {
    this.host = host;
    this.work = work;
    /** Every host event of the bench's host: { state, at (performance.now()) }. */
    this.events = [];
    this.agent = undefined;
    this.agents = 0;
  }

  async #start() {
    this.nats = await NatsServer.start(join(this.work, 'nats'));
    this.certs = makeCerts(join(this.work, 'certs'), this.host.rootAddress);
    // Mutual TLS because the agent reaches the coordinator beyond loopback. The API stays
    // on 127.0.0.1; the gRPC listener moves to the root end of the veth (the later --grpc
    // wins over the launcher's own).
    this.coordinator = await Coordinator.start({
      nats: this.nats.url,
      dataDir: join(this.work, 'coordinator'),
      tls: this.certs.server,
      logLevel: 'warn',
      extraArgs: ['--grpc', `${this.host.rootAddress}:0`],
      startTimeoutMs: 30_000,
    });
    this.nc = await connect({ servers: this.nats.url, name: 'vigil-bench-detection' });
    this.nc.subscribe(`vigil.v1.host.*.${TOKEN}`, {
      callback: (err, msg) => {
        if (err) return;
        const at = performance.now();
        let reason;
        try {
          reason = msg.json().data?.reason;
        } catch {
          reason = undefined;
        }
        this.events.push({ state: msg.subject.split('.')[3], at, reason });
      },
    });
    await this.nc.flush();
    this.#startAgent();
    await this.waitHealthy(60_000);
  }

  describe() {
    return `nats-server ${this.nats.url}, vigil-coordinator gRPC ${this.host.rootAddress}:${this.coordinator.grpcPort} (pid ${this.coordinator.pid}), vigil-agent pid ${this.agent.pid}`;
  }

  #startAgent() {
    this.agents += 1;
    const dataDir = join(this.work, 'agent');
    mkdirSync(dataDir, { recursive: true });
    // The shipped defaults: no --interval, nothing about liveness; the launcher's own runtime flags.
    const argv = [
      AGENT_BIN,
      '--coordinator', `${this.host.rootAddress}:${this.coordinator.grpcPort}`,
      '--host-id', HOST_ID,
      '--data-dir', dataDir,
      '--tls-ca', this.certs.ca,
      '--tls-cert', this.certs.agent.cert,
      '--tls-key', this.certs.agent.key,
      '--log-level', 'warn',
    ];
    this.agent = this.host.exec(`vigil-agent#${this.agents}`, argv);
  }

  /** Applies a fault to the agent; the caller has taken the time just before. */
  fault(kind) {
    return applyFault(this.agent, kind);
  }

  restore(kind) {
    return restoreFault(this.agent, kind, () => this.#startAgent());
  }


  /** ms from `t0` to the first silent event after it, or null when none came within `timeoutMs`. */
  detected(t0, timeoutMs) {
    return firstAfter(this.events, t0, (e) => e.state === 'silent', timeoutMs, 'vigil.v1.host.silent');
  }

  /**
   * Why the coordinator judged the host silent, for the first silent event after `t0`
   * ("no heartbeat for 1750 ms (phi 9.1)"): how long after the host's last signal the
   * verdict came, which tells a round judged at the detector's floor from one at its ceiling.
   */
  why(t0) {
    return this.events.find((e) => e.at >= t0 && e.state === 'silent')?.reason;
  }

  /** Until the host's last event is online (its first one, or the return after a fault). */
  async waitHealthy(timeoutMs = 120_000) {
    await waitFor(
      () => {
        if (!this.agent.running) throw new Error(`the agent exited\n${this.agent.output()}`);
        const last = this.events.at(-1);
        return last?.state === 'online';
      },
      { timeoutMs, intervalMs: 50, what: `${HOST_ID} online again (vigil.v1.host.online)` },
    );
  }

  output() {
    return [this.agent?.output(), this.coordinator?.output(), this.nats?.output()].filter(Boolean).join('\n');
  }

  async stop() {
    await this.agent?.stop(3000);
    await this.nc?.close().catch(() => {});
    await this.coordinator?.stop(5000).catch(() => {});
    await this.nats?.stop().catch(() => {});
  }
}
