// A share of the simulated agents: each with its own TCP connection and HTTP/2 session to
// the server, one AgentService.Connect stream opened with Hello. In 'message' mode each
// sends the real Liveness frame every second from Welcome on (at a random phase, as agents
// that started at different times do), in 'client-ping' an HTTP/2 PING instead, in 'udp' a
// datagram; otherwise
// they stay idle and node's HTTP/2 answers the server's PINGs by itself. Liveness starts only when the parent says so, once every
// process has all its connections up: a connect storm under a flow of messages would
// take long and time some Welcomes out, which is not what is measured here.
import http2 from 'node:http2';
import net from 'node:net';
import { CONNECT_HEADERS, FrameReader, decodeCoordinatorMessage, frameAgentMessage } from '../fleet/wire.mjs';
import { helloMessage } from '../fleet/messages.mjs';

const [port, count, mode, prefix] = process.argv.slice(2);
const PORT = Number(port);
const COUNT = Number(count);
const PERIOD_MS = 1000;
const CONCURRENT_DIALS = 100; // not all at once: the listen backlog would drop some
const WELCOME_TIMEOUT_MS = 60_000;
const ATTEMPTS = 5; // a dial that fails (reset under a connect storm) is tried again
const LIVENESS_FRAME = frameAgentMessage({ liveness: { agentStallMs: 0 } });
/** The modes in which the agents send a sign of life themselves. */
const SENDS = mode === 'message' || mode === 'client-ping' || mode === 'udp';
/** udp: one socket for this process's agents; the server's cost is per datagram, not per sender. */
const udp = mode === 'udp' ? (await import('node:dgram')).createSocket('udp4') : undefined;
/** udp: which client process this is, so agents of different processes differ at the server. */
const CLIENT_NO = Number(prefix.split('-c').at(-1)) || 0;

const stats = { connected: 0, failed: 0, retries: 0, lost: 0, sent: 0, pingsReceived: 0, pingErrors: 0 };
let started = false;
const agents = [];

function dial(i) {
  return new Promise((resolve) => {
    const hostId = `${prefix}-${i}.invalid`;
    const socket = net.connect({ host: '127.0.0.1', port: PORT, noDelay: true });
    const session = http2.connect(`http://127.0.0.1:${PORT}`, { createConnection: () => socket, settings: { enablePush: false } });
    const agent = { index: i, session, stream: undefined, timer: undefined, live: false };
    let settled = false;
    const done = (ok) => {
      if (settled) return;
      settled = true;
      clearTimeout(welcomeTimer);
      resolve(ok);
    };
    const lost = () => {
      if (agent.live) stats.lost++;
      agent.live = false;
      clearInterval(agent.timer);
      done(false);
    };
    const welcomeTimer = setTimeout(() => {
      session.destroy();
      done(false);
    }, WELCOME_TIMEOUT_MS);
    session.on('error', lost);
    session.on('close', lost);
    session.on('ping', () => stats.pingsReceived++);
    const stream = session.request(CONNECT_HEADERS, { endStream: false });
    agent.stream = stream;
    const reader = new FrameReader();
    stream.on('data', (chunk) =>
      reader.push(chunk, (body) => {
        if (decodeCoordinatorMessage(body).kind !== 'welcome' || agent.live) return;
        agent.live = true;
        if (SENDS && started) startLiveness(agent);
        done(true);
      }),
    );
    stream.on('error', lost);
    stream.on('close', lost);
    stream.write(frameAgentMessage(helloMessage(hostId, 5000, Date.now(), mode === 'message' ? PERIOD_MS : 0)));
    agents.push(agent);
  });
}

/** Dials agent i until it is welcomed, at most ATTEMPTS times. */
async function dialAgent(i) {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (await dial(i)) {
      stats.connected++;
      return;
    }
    stats.retries++;
    await new Promise((r) => setTimeout(r, 100 * attempt));
  }
  stats.failed++;
}

/** 'message': the Liveness frame on the stream; 'client-ping': an HTTP/2 PING on the session. */
function startLiveness(agent) {
  setTimeout(() => {
    if (!agent.live) return;
    const onAck = (err) => {
      if (err) stats.pingErrors++;
    };
    const send = () => {
      if (!agent.live || agent.stream.destroyed) return;
      if (mode === 'client-ping') {
        if (!agent.session.ping(onAck)) stats.pingErrors++;
      } else if (udp) {
        const d = Buffer.allocUnsafe(12);
        d.writeUInt32BE(CLIENT_NO, 0);
        d.writeUInt32BE(agent.index, 4);
        d.writeUInt32BE(stats.sent >>> 0, 8);
        udp.send(d, PORT, '127.0.0.1', onAck);
      } else {
        agent.stream.write(LIVENESS_FRAME);
      }
      stats.sent++;
    };
    send();
    agent.timer = setInterval(send, PERIOD_MS);
  }, Math.random() * PERIOD_MS);
}

let nextIndex = 0;
async function dialer() {
  while (nextIndex < COUNT) await dialAgent(nextIndex++);
}
await Promise.all(Array.from({ length: Math.min(CONCURRENT_DIALS, COUNT) }, dialer));
process.send({ type: 'ready', ...stats });

process.on('message', (msg) => {
  if (msg?.type === 'stats') process.send({ type: 'stats', ...stats });
  if (msg?.type === 'start' && !started) {
    started = true;
    if (SENDS) for (const a of agents) if (a.live) startLiveness(a);
  }
});
process.on('SIGTERM', () => {
  for (const a of agents) a.session.destroy();
  process.exit(0);
});
