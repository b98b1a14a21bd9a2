// The coordinator side of one mode: a grpc-js server with the coordinator's own service
// definition (guardedAgentService from @vigil/shared) and a Connect handler that does what
// the coordinator's liveness path does in essence. It is a child process so its CPU can be
// read alone from /proc; the parent asks for counters over IPC.
//   baseline       streams held, no liveness at all
//   message        a Liveness message per agent per second: decoded by grpc-js with the
//                  guarded deserializer, then one Map lookup and a timestamp
//   ping-keepalive grpc-js's own keepalive (grpc.keepalive_time_ms 1000); the ack is not
//                  surfaced by grpc-js, so each session's ping() is wrapped to record it
//   ping-timer     one ticker of ours pings a tenth of the sessions every 100 ms with
//                  session.ping(cb) and records the ack time per session
//   client-ping    the agents send the PINGs (one a second each); node's HTTP/2 answers them
//                  in C++ (no 'ping' listener, so no JS per PING), and one ticker of ours
//                  reads every connection's bytes-read counter every 100 ms: a counter that
//                  moved is a sign of life. The server owns its sockets (grpc-js's connection
//                  injector, as the coordinator does), so no grpc-js internals are needed
//   udp            each agent sends a 12-byte datagram a second to a UDP socket on the same
//                  port number: the agent's index and a sequence number; the server finds
//                  the agent by index and notes the time. What a datagram path would cost
//                  before any authentication of the datagrams (which it would need)
import { createRequire } from 'node:module';

const [mode] = process.argv.slice(2);
const MODES = ['baseline', 'message', 'ping-keepalive', 'ping-timer', 'client-ping', 'udp'];
if (!MODES.includes(mode)) throw new Error(`server: mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);

// The grpc-js the coordinator runs with, not whichever copy the root happens to hold.
const requireFromCoordinator = createRequire(new URL('../../packages/coordinator/package.json', import.meta.url));
const grpc = requireFromCoordinator('@grpc/grpc-js');
const { guardedAgentService, isUndecodable } = await import('@vigil/shared');

const PERIOD_MS = 1000;
const SLICES = 10; // ping-timer: a tenth of the sessions every PERIOD_MS / SLICES

const counters = { streams: 0, hellos: 0, liveness: 0, acks: 0, pingErrors: 0, undecodable: 0, moved: 0, datagrams: 0, badDatagrams: 0 };
/** hostId → what the silence detector keeps: the time of the last sign of life. */
const hosts = new Map();
/** session → time of its last PING ack (ping modes). */
const lastAck = new Map();
/** The connections held, however this mode keeps them (for the stats reply). */
let sessionCount = () => 0;

function connect(call) {
  counters.streams++;
  let hostId;
  call.on('data', (m) => {
    if (isUndecodable(m)) {
      counters.undecodable++;
      return;
    }
    switch (m.body) {
      case 'liveness': {
        // The coordinator's path: find the host of this stream, note the time and the stall.
        const h = hosts.get(hostId);
        if (h === undefined) return;
        h.lastSeenMs = Date.now();
        h.stallMs = m.liveness.agentStallMs;
        counters.liveness++;
        return;
      }
      case 'hello':
        hostId = m.hello.hostId;
        hosts.set(hostId, { lastSeenMs: Date.now(), stallMs: 0 });
        counters.hellos++;
        call.write({
          welcome: { coordinatorId: 'liveness-bench', intervalMs: 5000, lastSeq: 0, capabilities: ['liveness.v1'], livenessIntervalMs: mode === 'message' ? PERIOD_MS : 0 },
        });
        return;
      default:
        return;
    }
  });
  call.on('error', () => {});
  call.on('end', () => {
    if (hostId !== undefined) hosts.delete(hostId);
    call.end();
  });
}

const options = { 'grpc.max_receive_message_length': 256 * 1024 };
if (mode === 'ping-keepalive') {
  options['grpc.keepalive_time_ms'] = PERIOD_MS;
  options['grpc.keepalive_timeout_ms'] = 2 * PERIOD_MS;
}
const server = new grpc.Server(options);
server.addService(guardedAgentService(), { Connect: connect });

if (mode === 'client-ping') {
  const port = await watchBytesRead(server);
  process.send({ type: 'listening', port });
} else {
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  watchSessions(server);
  if (mode === 'udp') await receiveDatagrams(port);
  process.send({ type: 'listening', port });
}

/** One UDP socket; a datagram names its sender by index (clients number their agents 0..N-1 per process). */
async function receiveDatagrams(port) {
  const { createSocket } = await import('node:dgram');
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  /** Sender (client process, agent index) → time of its last datagram. */
  const seen = new Map();
  socket.on('message', (msg) => {
    if (msg.length !== 12) {
      counters.badDatagrams++;
      return;
    }
    const key = msg.readUInt32BE(0) * 65536 + msg.readUInt32BE(4);
    seen.set(key, Date.now());
    counters.datagrams++;
  });
  await new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', resolve);
  });
}

/**
 * Our own listener hands each socket to grpc-js; every 100 ms one ticker compares each
 * socket's bytesRead (kept by libuv's stream in C++, whoever reads it) with the last value.
 * What this costs per connection is the detector's real cost in this mode: the agents'
 * PINGs themselves never reach JS.
 */
async function watchBytesRead(grpcServer) {
  const { createServer } = await import('node:net');
  const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const watched = [];
  const listener = createServer((socket) => {
    const entry = { socket, bytes: 0, seenMs: Date.now() };
    watched.push(entry);
    socket.once('close', () => watched.splice(watched.indexOf(entry), 1));
    injector.injectConnection(socket);
  });
  await new Promise((resolve) => listener.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
  setInterval(() => {
    const now = Date.now();
    for (const e of watched) {
      const b = e.socket.bytesRead;
      if (b === e.bytes) continue;
      e.bytes = b;
      e.seenMs = now;
      counters.moved++;
    }
  }, PERIOD_MS / SLICES);
  sessionCount = () => watched.length;
  return listener.address().port;
}

// grpc-js does not hand out its HTTP/2 sessions; both ping modes reach them through the
// server's (private) http2Servers map, which a production coordinator would have to do too.
function watchSessions(server) {
  const http2Servers = [...server.http2Servers.keys()];
  if (http2Servers.length === 0) throw new Error('grpc-js internals changed: Server.http2Servers is empty');
  const sessions = new Set();
  for (const h2 of http2Servers) {
    h2.on('session', (session) => {
      sessions.add(session);
      session.once('close', () => {
        sessions.delete(session);
        lastAck.delete(session);
      });
      if (mode === 'ping-keepalive') observeKeepalive(session);
    });
  }

  /** grpc-js sends the pings; wrapping ping() on the instance is the only way to see the acks. */
  function observeKeepalive(session) {
    const ping = session.ping.bind(session);
    session.ping = (cb) =>
      ping((err, duration, payload) => {
        if (err) counters.pingErrors++;
        else {
          counters.acks++;
          lastAck.set(session, performance.now());
        }
        cb(err, duration, payload);
      });
  }

  if (mode === 'ping-timer') {
    // One timer for all sessions, spread over the period so the acks do not all come at once:
    // each session sits in one of SLICES buckets and keeps one ack callback for its life.
    const buckets = Array.from({ length: SLICES }, () => new Set());
    let next = 0;
    for (const h2 of http2Servers) {
      h2.on('session', (session) => {
        const bucket = buckets[next++ % SLICES];
        const entry = {
          session,
          onAck: (err) => {
            if (err) counters.pingErrors++;
            else {
              counters.acks++;
              lastAck.set(session, performance.now());
            }
          },
        };
        bucket.add(entry);
        session.once('close', () => bucket.delete(entry));
      });
    }
    let slice = 0;
    setInterval(() => {
      for (const { session, onAck } of buckets[slice]) {
        try {
          if (!session.ping(onAck)) counters.pingErrors++;
        } catch {
          counters.pingErrors++; // too many outstanding pings: the peer stopped answering
        }
      }
      slice = (slice + 1) % SLICES;
    }, PERIOD_MS / SLICES);
  }

  sessionCount = () => sessions.size;
}

process.on('message', (msg) => {
  if (msg?.type === 'stats') process.send({ type: 'stats', sessions: sessionCount(), hosts: hosts.size, ...counters, memory: process.memoryUsage() });
});

process.on('SIGTERM', () => {
  server.forceShutdown();
  process.exit(0);
});
