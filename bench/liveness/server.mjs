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
import { createRequire } from 'node:module';

const [mode] = process.argv.slice(2);
const MODES = ['baseline', 'message', 'ping-keepalive', 'ping-timer'];
if (!MODES.includes(mode)) throw new Error(`server: mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);

// The grpc-js the coordinator runs with, not whichever copy the root happens to hold.
const requireFromCoordinator = createRequire(new URL('../../packages/coordinator/package.json', import.meta.url));
const grpc = requireFromCoordinator('@grpc/grpc-js');
const { guardedAgentService, isUndecodable } = await import('@vigil/shared');

const PERIOD_MS = 1000;
const SLICES = 10; // ping-timer: a tenth of the sessions every PERIOD_MS / SLICES

const counters = { streams: 0, hellos: 0, liveness: 0, acks: 0, pingErrors: 0, undecodable: 0 };
/** hostId → what the silence detector keeps: the time of the last sign of life. */
const hosts = new Map();
/** session → time of its last PING ack (ping modes). */
const lastAck = new Map();

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

const port = await new Promise((resolve, reject) =>
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
);

// grpc-js does not hand out its HTTP/2 sessions; both ping modes reach them through the
// server's (private) http2Servers map, which a production coordinator would have to do too.
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

process.on('message', (msg) => {
  if (msg?.type === 'stats') process.send({ type: 'stats', sessions: sessions.size, hosts: hosts.size, ...counters });
});
process.on('SIGTERM', () => {
  server.forceShutdown();
  process.exit(0);
});
process.send({ type: 'listening', port });
