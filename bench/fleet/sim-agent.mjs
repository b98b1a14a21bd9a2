// One simulated agent: its own TCP connection and HTTP/2 session to the coordinator, one
// AgentService.Connect stream, Hello → Welcome, heartbeats at the interval with jitter,
// acks matched by sequence number, Goodbye at the end. It can be killed two ways:
//   destroy: the socket is closed under the stream, no Goodbye (a crashed agent or host
//            whose kernel still closes its connections);
//   freeze:  heartbeats stop but the connection stays up and HTTP/2 pings are still
//            answered (a hung agent, or a host cut off without the TCP connection noticing),
//            so only the coordinator's silence detector can notice.
// Liveness goes as stream messages and, where the Welcome gives a UDP port, as datagrams
// too; a frozen or destroyed agent sends neither.
import http2 from 'node:http2';
import net from 'node:net';
import { CONNECT_HEADERS, FrameReader, decodeCoordinatorMessage, frameAgentMessage, retryPushbackMs, toNumber } from './wire.mjs';
import { goodbyeMessage, heartbeatMessage, helloMessage, newResourceSample } from './messages.mjs';

const GOODBYE_WAIT_MS = 5_000;
const LIVENESS_FRAME = frameAgentMessage({ liveness: { agentStallMs: 0 } });

export class SimAgent {
  /**
   * @param {string} hostId
   * @param {object} cfg { host, port, localAddress, intervalMs, jitter, payload, firstHeartbeat, welcomeTimeoutMs, acceptTimeoutMs,
   *   livenessIntervalMs, datagrams: the worker's DatagramSender (datagram.mjs), absent when datagrams are off }
   * @param {object} stats shared by the agents of one worker (see worker.mjs)
   */
  constructor(hostId, cfg, stats) {
    this.hostId = hostId;
    this.cfg = cfg;
    this.stats = stats;
    this.state = 'idle'; // idle | connecting | live | frozen | killed | leaving | closed
    this.startedAtMs = Date.now();
    this.seq = 0;
    this.sample = newResourceSample(cfg.payload);
    // Sent heartbeats awaiting their ack: acks are cumulative and in order.
    this.pendingSeq = [];
    this.pendingAt = [];
    this.timer = undefined;
    this.socket = undefined;
    this.session = undefined;
    this.stream = undefined;
    this.lastStatus = undefined;
    this.dead = false;
  }

  /** The coordinator to try now: the list rotated by this agent's number, advanced on every failure. */
  #target() {
    const list = this.cfg.targets ?? [{ host: this.cfg.host, port: this.cfg.port }];
    const start = Number(/(\d+)/.exec(this.hostId)?.[1] ?? 0);
    return list[(start + (this.failovers ?? 0)) % list.length];
  }

  /** Opens the connection and stream; resolves on Welcome. A killed agent stays dead. */
  connect() {
    if (this.dead) return Promise.reject(new Error('killed'));
    // A second attempt while one is under way or the stream is live would be two agents in
    // one: counted, as a bug of the simulator's retry chains.
    if (this.state === 'connecting' || this.state === 'live') this.stats.connectWhileBusy = (this.stats.connectWhileBusy ?? 0) + 1;
    this.state = 'connecting';
    this.lastStatus = this.lastPushbackMs = undefined;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const fail = (err) => {
        if (this.state !== 'connecting') return;
        // Sent away by a busy coordinator: like vigil-agent, come back to the same one, on
        // the same connection (only the stream is closed).
        if (err.pushbackMs === undefined) this.failovers = (this.failovers ?? 0) + 1;
        this.state = 'idle';
        if (err.pushbackMs === undefined) this.#teardown();
        else {
          this.stream?.destroy();
          this.stream = undefined;
        }
        reject(err);
      };
      // vigil-agent's Welcome wait: doubled by every late Welcome in a row, up to 30 s
      // (or the configured wait, if longer); a Welcome resets it. As in vigil-agent it bounds
      // the TCP connection, then the coordinator gets the accept wait to take the connection
      // (its SETTINGS), and the Welcome wait starts again from there.
      const base = this.cfg.welcomeTimeoutMs;
      const waitMs = Math.min(Math.max(base, 30_000), base * 2 ** Math.min(this.welcomeTimeouts ?? 0, 30));
      let welcomeTimer;
      let stage = 'connect';
      const arm = (next, ms) => {
        stage = next;
        clearTimeout(welcomeTimer);
        welcomeTimer = setTimeout(() => {
          this.welcomeTimeouts = (this.welcomeTimeouts ?? 0) + 1;
          fail(new Error(`no Welcome in time (${base} ms, doubled per late Welcome in a row; stage ${stage})`));
        }, ms);
      };
      arm('connect', waitMs);
      this.onWelcome = () => {
        this.welcomeTimeouts = 0;
        clearTimeout(welcomeTimer);
        this.stats.welcome.record(performance.now() - started);
        resolve();
      };
      this.onConnectFailure = (err) => {
        clearTimeout(welcomeTimer);
        fail(err);
      };
      const { localAddress } = this.cfg;
      const { host, port } = this.#target();
      const target = `${host}:${port}`;
      // The connection kept from an attempt sent away to this same coordinator, as
      // vigil-agent keeps it; otherwise a new one.
      let session = this.session;
      let fresh = false;
      if (!session || session.closed || session.destroyed || this.sessionTarget !== target) {
        this.#teardown();
        const socket = net.connect({ host, port, localAddress, noDelay: true });
        this.socket = socket;
        socket.once('connect', () => this.socket === socket && this.state === 'connecting' && stage === 'connect' && arm('accept', Math.max(this.cfg.acceptTimeoutMs ?? 30_000, waitMs)));
        session = http2.connect(`http://${host}:${port}`, { createConnection: () => socket, settings: { enablePush: false } });
        this.session = session;
        this.sessionTarget = target;
        fresh = true;
        const current = session;
        session.on('error', (err) => this.session === current && this.#lost(`session error: ${err.code ?? err.message}`));
        session.on('close', () => this.session === current && this.#lost('session closed'));
      }
      // vigil-agent's gRPC client (grpc-js) opens a call on a new connection only once the
      // coordinator's SETTINGS arrived, so its Hello never waits in the coordinator's accept
      // queue: a connection the coordinator takes late, after the agent gave up on it,
      // holds no Hello to read. Writing it at once instead had the coordinator register
      // agents that were already gone (a restart storm's Hellos read behind a queue).
      const taken = () => {
        if (this.session !== session || this.state !== 'connecting') return;
        arm('welcome', waitMs);
        this.#openStream(session);
      };
      if (fresh) session.once('remoteSettings', taken);
      else taken();
    });
  }

  /** The Connect stream and its Hello, on a session the coordinator has answered. */
  #openStream(session) {
    const stream = session.request(CONNECT_HEADERS, { endStream: false });
    this.stream = stream;
    const reader = new FrameReader();
    stream.on('data', (chunk) => {
      if (this.stream !== stream) return;
      try {
        reader.push(chunk, (body) => this.#onMessage(body));
      } catch (err) {
        this.#lost(`bad frame: ${err.message}`);
      }
    });
    const takeStatus = (headers) => {
      if (headers['grpc-status'] === undefined || this.stream !== stream) return;
      this.lastStatus = `${headers['grpc-status']} ${decodeURIComponent(String(headers['grpc-message'] ?? ''))}`;
      this.lastPushbackMs = retryPushbackMs(headers);
      // A status ends the call, before Welcome or after it (a stream superseded, refused,
      // or the coordinator stopping): the coordinator has half-closed the stream, and
      // HTTP/2 would only report 'close' once our side ended too. vigil-agent's gRPC
      // client ends the call on a status, so a live agent counts a drop and reconnects.
      if (this.state === 'connecting' || this.state === 'live') this.#lost(`stream closed with status ${this.lastStatus}`);
    };
    stream.on('response', takeStatus);
    stream.on('trailers', takeStatus);
    // A stream given up (an attempt sent away) reports nothing more: its successor may be
    // connecting on the same session already.
    stream.on('error', (err) => this.stream === stream && this.#lost(`stream error: ${err.code ?? err.message}`));
    stream.on('close', () => this.stream === stream && this.#lost(`stream closed${this.lastStatus ? ` with status ${this.lastStatus}` : ''}`));
    this.attempts = (this.attempts ?? 0) + 1;
    stream.write(frameAgentMessage(helloMessage(this.hostId, this.cfg.intervalMs, this.startedAtMs, this.cfg.livenessIntervalMs ?? 0, this.attempts, Boolean(this.cfg.datagrams))));
  }

  #onMessage(body) {
    const { kind, value } = decodeCoordinatorMessage(body);
    switch (kind) {
      case 'welcome':
        if (this.state !== 'connecting') return;
        this.state = 'live';
        // vigil-agent beats at once on Welcome; 'spread' keeps agents that connected
        // together from beating together for the whole run.
        this.#schedule(this.cfg.firstHeartbeat === 'immediate' ? 0 : Math.random() * this.cfg.intervalMs);
        this.#takeDatagramTarget(value);
        this.#startLiveness(toNumber(value.livenessIntervalMs));
        this.onWelcome();
        return;
      case 'ack':
        return this.#acked(toNumber(value.seq));
      case 'livenessGrant':
        // The fleet grew (or shrank) since Welcome: the coordinator's new period for us.
        this.stats.regrants = (this.stats.regrants ?? 0) + 1;
        this.#onDatagramsHeard(Boolean(value.datagramsHeard));
        // As vigil-agent: the timer starts over only for a new period. A grant that only
        // says the datagrams are heard must not push the next liveness a period past it:
        // with the grant late behind a busy coordinator, that gap alone reached the
        // detection floor (1.75 periods).
        if (toNumber(value.livenessIntervalMs) === this.livenessPeriodMs) return;
        return this.#startLiveness(toNumber(value.livenessIntervalMs));
      case 'echo':
        // As vigil-agent: answered at once.
        this.stats.echoes = (this.stats.echoes ?? 0) + 1;
        return this.#send({ echoReply: { nonce: toNumber(value.nonce) } });
      case 'probe':
        // Never asked for (Hello announces no 'probes' capability); refuse politely if it is.
        this.stats.requests++;
        return this.#send({ probeResult: { requestId: value.requestId, kind: value.kind, target: value.target, ok: false, refused: 'skipped' } });
      case 'recover':
        this.stats.requests++;
        return this.#send({ requestResult: { requestId: value.requestId, accepted: false, error: 'simulated agent declares no services' } });
      default:
        return; // eventAck or a newer message kind: nothing to do
    }
  }

  #acked(seq) {
    const now = performance.now();
    const record = this.stats.recording;
    let n = 0;
    while (n < this.pendingSeq.length && this.pendingSeq[n] <= seq) {
      // The latency is the acked heartbeat's own (sent → stored → acked); the ones before
      // it were held in memory by the coordinator's store pacer and are covered, not timed.
      if (record && this.pendingSeq[n] === seq) this.stats.ack.record(now - this.pendingAt[n]);
      n++;
    }
    if (n === 0) return;
    this.pendingSeq.splice(0, n);
    this.pendingAt.splice(0, n);
    this.stats.acked += n;
  }

  /**
   * Where this stream's liveness datagrams go, from its Welcome: the UDP port on the address
   * the agent dialed, with this stream's key and slot; none without a port (a coordinator
   * that does not listen for them) or when datagrams are off. Every stream starts over:
   * its own key and slot, seq from 1, and stream Liveness as well until told heard.
   */
  #takeDatagramTarget(welcome) {
    this.datagram = undefined;
    this.datagramSeq = 0;
    this.datagramsHeard = false;
    const port = toNumber(welcome.livenessDatagramPort);
    const key = welcome.livenessDatagramKey;
    if (!this.cfg.datagrams || !(port > 0) || !(key?.length > 0)) return;
    this.datagram = {
      // The address the TCP connection reached (a name like localhost resolved once, not per send).
      host: this.socket?.remoteAddress ?? this.#target().host,
      port,
      // Copied: the decoded bytes are a view that would keep the whole received chunk alive.
      key: Buffer.from(key),
      slot: toNumber(welcome.livenessDatagramSlot),
    };
    this.stats.datagramPorts = (this.stats.datagramPorts ?? 0) + 1;
  }

  /** A LivenessGrant's datagrams_heard: true stops the stream Liveness, false brings it back. */
  #onDatagramsHeard(heard) {
    // Heard without a datagram port would leave the coordinator nothing to hear at all.
    const now = heard && this.datagram !== undefined;
    if (now && !this.everHeard) {
      this.everHeard = true;
      this.stats.datagramsHeard = (this.stats.datagramsHeard ?? 0) + 1;
    }
    if (!now && this.datagramsHeard) this.stats.datagramsUnheard = (this.stats.datagramsUnheard ?? 0) + 1;
    this.datagramsHeard = now;
  }

  /**
   * Like vigil-agent: a Liveness message at the period the Welcome granted, on a timer of
   * its own. One frame made once: the message is the same every time (no stall here). With
   * a datagram port, each tick also sends a datagram (agent_stall_ms 0 too), and only the
   * datagram once the coordinator says it hears them.
   */
  #startLiveness(periodMs) {
    this.#stopLiveness();
    this.livenessPeriodMs = periodMs > 0 ? periodMs : 0;
    if (!(periodMs > 0)) return;
    // The coordinator may grant a longer period than asked (its budget for a large fleet):
    // the run's bound follows the longest one granted.
    this.stats.grantedLivenessMaxMs = Math.max(this.stats.grantedLivenessMaxMs ?? 0, periodMs);
    this.livenessTimer = setInterval(() => {
      if (this.state !== 'live' || !this.stream || this.stream.destroyed) return;
      const d = this.datagram;
      if (d) {
        this.datagramSeq += 1;
        if (this.cfg.datagrams.send(d.key, { slot: d.slot, seq: this.datagramSeq, agentStallMs: 0 }, d.host, d.port)) this.stats.datagrams = (this.stats.datagrams ?? 0) + 1;
      }
      if (this.datagramsHeard) return;
      this.stream.write(LIVENESS_FRAME);
      this.stats.liveness = (this.stats.liveness ?? 0) + 1;
    }, periodMs);
  }

  #stopLiveness() {
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    this.livenessTimer = undefined;
  }

  #schedule(delayMs) {
    this.timer = setTimeout(() => this.#beat(), delayMs);
  }

  #beat() {
    if (this.state !== 'live') return;
    this.seq += 1;
    this.pendingSeq.push(this.seq);
    this.pendingAt.push(performance.now());
    this.#send(heartbeatMessage(this.seq, Date.now(), this.sample));
    this.stats.sent++;
    const j = this.cfg.jitter;
    this.#schedule(this.cfg.intervalMs * (1 - j + 2 * j * Math.random()));
  }

  #send(message) {
    if (!this.stream || this.stream.destroyed) return;
    if (!this.stream.write(frameAgentMessage(message))) this.stats.writeBackpressure++;
  }

  /** Kills the agent as `mode` ('destroy' | 'freeze'); returns the kill time (Date.now()). */
  kill(mode) {
    this.dead = true;
    clearTimeout(this.timer);
    this.#stopLiveness();
    if (mode === 'freeze') {
      this.state = 'frozen';
    } else {
      this.state = 'killed';
      // The raw socket, not session.destroy(): no GOAWAY, no RST_STREAM, no Goodbye.
      this.socket?.destroy();
    }
    return Date.now();
  }

  /** Says Goodbye and waits for the coordinator to end the stream; frozen agents just vanish. */
  async goodbye() {
    clearTimeout(this.timer);
    this.#stopLiveness();
    if (this.state === 'frozen') {
      this.state = 'closed';
      this.socket?.destroy();
      return;
    }
    if (this.state !== 'live') return;
    this.state = 'leaving';
    const stream = this.stream;
    await new Promise((resolve) => {
      const t = setTimeout(resolve, GOODBYE_WAIT_MS);
      stream.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      stream.end(frameAgentMessage(goodbyeMessage('fleet simulation over')));
    });
    this.state = 'closed';
    this.session?.close();
  }

  /** A connection that ended while nobody asked for it: the run counts it, the agent comes back. */
  #lost(why) {
    if (this.state === 'connecting') return this.onConnectFailure(Object.assign(new Error(why), { pushbackMs: this.lastPushbackMs }));
    if (this.state !== 'live' && this.state !== 'frozen') return;
    const wasFrozen = this.state === 'frozen';
    this.state = 'idle';
    clearTimeout(this.timer);
    this.#stopLiveness();
    this.#teardown();
    this.pendingSeq.length = 0;
    this.pendingAt.length = 0;
    if (wasFrozen) return; // already dead as far as the run is concerned
    // Like vigil-agent: a stream lost moves on to the next coordinator in the list.
    this.failovers = (this.failovers ?? 0) + 1;
    this.stats.drops++;
    this.stats.dropReasons[why] = (this.stats.dropReasons[why] ?? 0) + 1;
    this.stats.onDrop(this, why);
  }

  #teardown() {
    this.stream?.destroy();
    this.session?.destroy();
    this.socket?.destroy();
    this.stream = this.session = this.socket = undefined;
  }
}
