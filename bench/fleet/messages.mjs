// What a simulated agent says. Heartbeats carry a resource sample shaped like a real
// agent's (CPU, memory, two filesystems, one interface, four collector statuses), so the
// coordinator validates, stores and serialises as much per heartbeat as in production.

export const AGENT_VERSION = 'fleet-sim/1';

/** `livenessDatagrams`: offer to send liveness as UDP datagrams, as vigil-agent does. */
export function helloMessage(hostId, intervalMs, startedAtMs, livenessIntervalMs = 0, attempt = 0, livenessDatagrams = false) {
  return {
    hello: {
      hostId,
      agentVersion: AGENT_VERSION,
      // The host name equals the id: the coordinator's DNS probe of a silent host then
      // looks up the id, which ends in .invalid and is never sent to a resolver.
      hostname: hostId,
      os: { platform: 'linux', distro: 'debian', release: '12', kernel: '6.1.0-sim', arch: 'x64' },
      services: [],
      // As vigil-agent: a LivenessGrant re-paces its liveness when the fleet grows, and the
      // liveness may go by datagram where the coordinator listens for them. It answers an
      // Echo, which times its round trip again after a connect slowed by a storm.
      capabilities: livenessIntervalMs > 0 ? ['resources', 'liveness_grant', ...(livenessDatagrams ? ['liveness_datagram'] : []), 'echo'] : ['resources', 'echo'],
      intervalMs,
      livenessIntervalMs,
      labels: {},
      startedAtMs,
      // As vigil-agent: each stream this agent dials is numbered, so a Hello read late
      // (the agent gave up on its stream meanwhile) cannot take the host from a newer one.
      attempt,
    },
  };
}

const GiB = 1024 ** 3;

/** One sample object per agent, updated in place: no per-heartbeat allocation of what stays. */
export function newResourceSample(payload) {
  if (payload === 'minimal') return null;
  return {
    takenAtMs: 0,
    cpu: { usagePercent: 12.5, load1: 0.42, load5: 0.38, load15: 0.31, cores: 4 },
    memory: { totalBytes: 16 * GiB, usedBytes: 5 * GiB, availableBytes: 11 * GiB, swapTotalBytes: 2 * GiB, swapUsedBytes: 0 },
    filesystems: [
      { mount: '/', device: '/dev/vda1', fsType: 'ext4', sizeBytes: 80 * GiB, usedBytes: 31 * GiB, availableBytes: 45 * GiB, inodesTotal: 5_242_880, inodesUsed: 412_345 },
      { mount: '/var', device: '/dev/vdb1', fsType: 'xfs', sizeBytes: 200 * GiB, usedBytes: 120 * GiB, availableBytes: 80 * GiB, inodesTotal: 0, inodesUsed: 0 },
    ],
    network: [{ name: 'eth0', rxBytesPerSec: 125_000.5, txBytesPerSec: 98_000.25, rxErrors: 0, txErrors: 0 }],
  };
}

const COLLECTORS = Object.freeze([
  { name: 'cpu', ok: true, durationMs: 0.4, error: '' },
  { name: 'memory', ok: true, durationMs: 0.2, error: '' },
  { name: 'filesystems', ok: true, durationMs: 1.1, error: '' },
  { name: 'network', ok: true, durationMs: 0.3, error: '' },
]);

/** Builds the heartbeat body; `sample` is the agent's own, refreshed here. */
export function heartbeatMessage(seq, nowMs, sample) {
  if (sample) {
    sample.takenAtMs = nowMs;
    // Vary a little, as real figures do, so no layer can cache a constant.
    sample.cpu.usagePercent = (seq * 7.3) % 100;
  }
  return { heartbeat: { seq, sentAtMs: nowMs, resources: sample, collectors: sample ? COLLECTORS : [], services: [], findings: [] } };
}

export function goodbyeMessage(reason) {
  return { goodbye: { reason } };
}
