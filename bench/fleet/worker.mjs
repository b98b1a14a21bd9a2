// A simulator process: drives its slice of the fleet and reports to the parent over IPC.
// Several of these run side by side so no single event loop limits the fleet.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Histogram } from './histogram.mjs';
import { SimAgent } from './sim-agent.mjs';
import { DatagramSender } from './datagram.mjs';

const agents = new Map();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

/**
 * When this process itself did not run for a while (its loop held by thousands of
 * reconnects at once, or starved of CPU): wall-clock [from, to] of every stall of at least
 * STALL_MS. Every agent of this process sent nothing meanwhile, like a frozen host, so a
 * silent verdict on one of them then is a true detection, not a false positive; the report
 * counts those apart (report.mjs, explainedBySimulatorStall).
 */
const STALL_MS = 1000;
const TICK_MS = 100;
const MAX_STALLS = 2000;
const stalls = [];
let lastTick = Date.now();
setInterval(() => {
  const now = Date.now();
  if (now - lastTick >= TICK_MS + STALL_MS && stalls.length < MAX_STALLS) stalls.push([lastTick + TICK_MS, now]);
  lastTick = now;
}, TICK_MS).unref();

const stats = {
  recording: false,
  ack: new Histogram(),
  welcome: new Histogram(),
  sent: 0,
  acked: 0,
  drops: 0,
  dropReasons: {},
  reconnects: 0,
  connectErrors: 0,
  /** Attempts the coordinator sent away with a retry hint (RESOURCE_EXHAUSTED); not in connectErrors. */
  shed: 0,
  connectErrorReasons: {},
  writeBackpressure: 0,
  requests: 0,
  // Liveness: stream messages and datagrams sent, datagram sends that failed, streams whose
  // Welcome gave a datagram port, agents told their datagrams are heard, and grants that
  // sent an agent back to stream messages. Counted by sim-agent.mjs and datagram.mjs.
  liveness: 0,
  datagrams: 0,
  datagramErrors: 0,
  datagramPorts: 0,
  datagramsHeard: 0,
  datagramsUnheard: 0,
  // A stream that was up breaks: the agent retries soon (backoff attempt 1).
  onDrop: (agent) => retryLater(agent, 1),
};

let stopping = false;
/** The one UDP socket of this process's agents (datagram.mjs); undefined with datagrams off. */
let datagrams;
/** Settles once 'init' has built the agents: 'connect' waits for it (init loads the encoder). */
let initialized = Promise.resolve();
// The parent may have left (a run that ended, or was stopped) between a check of the channel
// and the write: with a callback a failed send is dropped instead of raising EPIPE as an
// unhandled 'error' that ends this process with a stack trace on the run's output.
const send = (m) => {
  if (process.connected) process.send?.(m, () => {});
};

/** vigil-agent's reconnect backoff: full jitter under 200 ms · 2^(attempt-1), capped at 10 s. */
function backoffDelay(attempt, random = Math.random) {
  return Math.floor(random() * Math.min(10_000, 200 * 2 ** Math.min(attempt - 1, 30)));
}

/** Connects one agent now; on failure retries after the agent's backoff, forever (until stop). */
function attempt(agent, n) {
  if (agent.dead) return;
  agent.connect().then(
    () => {
      if (n > 1 || agent.everConnected) stats.reconnects++;
      agent.everConnected = true;
    },
    (err) => {
      if (err.pushbackMs !== undefined) {
        // vigil-agent's answer to a shed: the hint plus up to a tenth of it (50 ms to 1 s),
        // the same backoff attempt next time (a busy coordinator is not a failure).
        stats.shed++;
        const spread = Math.min(1000, Math.max(50, err.pushbackMs / 10));
        if (!stopping) setTimeout(() => !stopping && attempt(agent, n), err.pushbackMs + Math.floor(Math.random() * spread));
        return;
      }
      countConnectError(err);
      retryLater(agent, n + 1);
    },
  );
}

function retryLater(agent, n) {
  if (stopping) return;
  setTimeout(() => !stopping && attempt(agent, n), backoffDelay(n));
}

function countConnectError(err) {
  stats.connectErrors++;
  const why = err.message.slice(0, 80);
  stats.connectErrorReasons[why] = (stats.connectErrorReasons[why] ?? 0) + 1;
}

/**
 * Starts every agent's first connection at `ratePerSec`; failed ones retry on their own
 * backoff, as real agents do. Ready when all are live, or `settleMs` after the last first
 * attempt (a fleet that cannot all connect is reported as such, not waited for forever).
 */
async function connectAll(ratePerSec, settleMs) {
  const queue = [...agents.values()];
  await new Promise((resolve) => {
    const tickMs = 10;
    let credit = 0;
    const tick = setInterval(() => {
      credit += (ratePerSec * tickMs) / 1000;
      while (credit >= 1 && queue.length > 0) {
        credit -= 1;
        attempt(queue.shift(), 1);
      }
      if (queue.length === 0) {
        clearInterval(tick);
        resolve();
      }
    }, tickMs);
  });
  const deadline = Date.now() + settleMs;
  while (countLive() < agents.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return { connected: countLive(), failed: agents.size - countLive() };
}

function countLive() {
  let n = 0;
  for (const a of agents.values()) if (a.state === 'live') n++;
  return n;
}

const progress = setInterval(() => send({ type: 'progress', live: countLive(), sent: stats.sent, acked: stats.acked, drops: stats.drops }), 5000);

process.on('message', async (m) => {
  switch (m.type) {
    case 'init':
      initialized = init(m);
      return initialized;
    case 'connect':
      await initialized;
      return send({ type: 'ready', ...(await connectAll(m.ratePerSec, m.settleMs)) });
    case 'record':
      stats.recording = m.on;
      if (m.on) {
        stats.ack.reset();
        loopDelay.reset();
      } else {
        stats.loopP99Ms = loopDelay.percentile(99) / 1e6;
        stats.loopMaxMs = loopDelay.max / 1e6;
      }
      return;
    case 'kill': {
      const agent = agents.get(m.hostId);
      const wasLive = agent?.state === 'live';
      const at = agent ? agent.kill(m.mode) : Date.now();
      return send({ type: 'killed', hostId: m.hostId, mode: m.mode, at, wasLive });
    }
    case 'stop': {
      stopping = true;
      clearInterval(progress);
      const started = performance.now();
      await Promise.all([...agents.values()].map((a) => a.goodbye()));
      datagrams?.close();
      const { ack, welcome, onDrop: _onDrop, ...counters } = stats;
      send({ type: 'final', ack: ack.toJSON(), welcome: welcome.toJSON(), counters, stalls, goodbyeMs: performance.now() - started });
      // Let the IPC message leave before exiting.
      setTimeout(() => process.exit(0), 200);
      return;
    }
  }
});

async function init(m) {
  if (m.agent.livenessDatagrams) datagrams = await DatagramSender.create(stats);
  m.hostIds.forEach((id, i) => {
    // Bound to a source address only when there are several to spread over. bind() before
    // connect() picks the port without the destination in view, so once the failed
    // attempts of a reconnect storm fill the ephemeral range with TIME_WAIT sockets,
    // every bind scans that range: a restart bench's simulator spent 21 of 50 s of CPU in
    // connect() and stood still for up to 7 s. connect() alone may reuse a loopback
    // TIME_WAIT port (net.ipv4.tcp_tw_reuse=2, the default) at once. A real agent has a
    // host to itself and never meets this.
    const localAddress = m.sourceAddresses.length > 1 ? m.sourceAddresses[i % m.sourceAddresses.length] : undefined;
    agents.set(id, new SimAgent(id, { ...m.agent, localAddress, datagrams }, stats));
  });
}

process.on('disconnect', () => process.exit(0));
