import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import type { JsMsg, Subscription } from 'nats';
import { systemClock, type Clock, type Logger } from '@vigil/shared';
import type { NotifyConfig } from './config.js';
import { DeadMansSwitch } from './deadman.js';
import { backoffDelay, Dispatcher, DispatchStopped, type ReceiptSink, type ReceiverEntry } from './dispatcher.js';
import { kindOfSubject, parseHostEvent, parseIncidentEvent, type NotifyEvent } from './event.js';
import { KeyedSerial } from './keyed-serial.js';
import { readHostLabels } from './labels-seed.js';
import { NotifyMetrics } from './metrics.js';
import { createReceiver, type Receiver } from './receivers/index.js';
import { JetStreamSource } from './source.js';
import { DeliveryStore } from './store.js';

export interface Notifier {
  /** The /metrics listener's port, when one is configured. */
  readonly port: number | undefined;
  readonly metrics: NotifyMetrics;
  stop(): Promise<void>;
}

export interface NotifierDeps {
  logger: Logger;
  clock?: Clock;
  /** Replaces receivers by name (tests); the rest are built from the config. */
  receivers?: ReadonlyMap<string, Receiver>;
}

const ENCODER = new TextEncoder();

/**
 * Wires vigil-notify: the store, the receivers, the dispatcher and the JetStream source.
 * An event is acknowledged only after every receiver's outcome is recorded in the store.
 */
export async function startNotifier(config: NotifyConfig, deps: NotifierDeps): Promise<Notifier> {
  const log = deps.logger;
  const clock = deps.clock ?? systemClock;
  const metrics = new NotifyMetrics();
  const store = new DeliveryStore(config.dataDir);
  const receivers = new Map<string, ReceiverEntry>();
  for (const rc of config.receivers) {
    receivers.set(rc.name, { receiver: deps.receivers?.get(rc.name) ?? createReceiver(rc), retry: rc.retry, fallback: rc.fallback, rateLimit: rc.rateLimit ? { pages: rc.rateLimit.pages, perMs: rc.rateLimit.per } : undefined, groupWaitMs: rc.groupWait });
  }
  let deadman: DeadMansSwitch | undefined;
  let seeded = false;
  let heartbeatSub: Subscription | undefined;
  const source: JetStreamSource = new JetStreamSource(
    { servers: config.nats.servers, stream: config.nats.stream, consumer: config.nats.consumer, maxAckPending: config.nats.maxAckPending, ackWaitMs: config.nats.ackWait, startAt: config.nats.startAt, name: `vigil-notify ${hostname()}` },
    log,
    {
      connected: (up) => {
        metrics.natsConnected.set(up ? 1 : 0);
        deadman?.natsConnected(up);
        // Heartbeats are read live (a plain subscription), not from the durable consumer: a
        // backlog of events must not make a dead coordinator look alive, or a live one dead.
        const nc = source.connection;
        if (up && deadman && !heartbeatSub && nc) {
          heartbeatSub = nc.subscribe('vigil.v1.coordinator.heartbeat.>', {
            callback: (err, msg) => {
              if (err) return;
              deadman?.heard(msg.subject.slice('vigil.v1.coordinator.heartbeat.'.length));
            },
          });
        }
      },
      beforeConsume: async (nc) => {
        if (seeded) return;
        seeded = true;
        try {
          const hosts = await readHostLabels(nc, config.nats.stream);
          let added = 0;
          for (const [host, labels] of hosts) {
            if (Object.keys(store.labels(host)).length > 0) continue; // what the consumer saw wins
            store.setLabels(host, labels, clock.now());
            added++;
          }
          log.info({ hosts: hosts.size, added }, 'host labels read from the stream');
        } catch (err) {
          // Routing by label then waits for each host's next event; pages still go out.
          log.warn({ err: (err as Error).message }, 'could not read host labels from the stream');
        }
      },
    },
  );
  const receipts: ReceiptSink = {
    publish(subject, event) {
      // Core NATS publish: the VIGIL stream captures `vigil.v1.>`, and the client buffers while reconnecting.
      const nc = source.connection;
      if (!nc || nc.isClosed()) throw new Error('NATS not connected');
      nc.publish(subject, ENCODER.encode(JSON.stringify(event)));
    },
  };
  const dispatcher = new Dispatcher({ route: config.route, zoneLabel: config.zoneLabel, source: `vigil-notify/${hostname()}` }, receivers, store, receipts, clock, log, metrics);
  dispatcher.resumeHeld();
  const serial = new KeyedSerial();
  let inHand = 0;
  if (config.deadman) {
    deadman = new DeadMansSwitch(
      { receiver: config.deadman.receiver, coordinatorSilenceMs: config.deadman.coordinatorSilence, natsDownMs: config.deadman.natsDown },
      clock,
      (e, receiver) => serial.run(e.incident.incidentId, async () => void (await dispatcher.handleDirect(e, receiver))),
      log.child({ part: 'deadman' }),
    );
    deadman.start();
  }

  const onMessage = (m: JsMsg): void => {
    try {
      take(m);
    } catch (err) {
      // The store refused a write (disk full, say): the event comes again later.
      log.error({ err, subject: m.subject }, 'could not take the event; it will come again');
      m.nak(5000);
    }
  };

  const take = (m: JsMsg): void => {
    const kind = kindOfSubject(m.subject);
    if (kind === undefined) {
      m.ack();
      return;
    }
    const body = m.string();
    if (kind === 'host') {
      const h = parseHostEvent(body);
      if (h && h.state !== 'removed') store.setLabels(h.hostId, h.labels, clock.now());
      m.ack();
      return;
    }
    const parsed = parseIncidentEvent(body);
    if (!parsed.ok) {
      // Sending it again cannot make it valid: terminate it, say why once.
      log.error({ subject: m.subject, seq: m.seq, error: parsed.error }, 'malformed incident event; skipped');
      m.term();
      return;
    }
    const ce = parsed.value;
    const e: NotifyEvent = { kind, cloudEvent: ce, incident: ce.data, labels: store.labels(ce.data.hostId), streamSeq: m.seq };
    inHand++;
    metrics.ackPending.set(inHand);
    void serial.run(ce.data.incidentId, async () => {
      // Tell JetStream the event is being worked on while retries wait, or it would hand it out again.
      const working = setInterval(() => m.working(), Math.max(1000, Math.floor(config.nats.ackWait / 3)));
      try {
        await dispatcher.handle(e);
        m.ack();
      } catch (err) {
        if (err instanceof DispatchStopped) return; // not acknowledged: the next start delivers it
        const delay = backoffDelay(m.info.redeliveryCount, { initialBackoff: 1000, maxBackoff: 60_000 });
        log.error({ err, subject: m.subject, incident: ce.data.incidentId, retryInMs: delay }, 'handling the event failed; it will come again');
        m.nak(delay);
      } finally {
        clearInterval(working);
        inHand--;
        metrics.ackPending.set(inHand);
      }
    });
  };
  source.start(onMessage);

  // Consumer lag for /metrics, read from the server now and then.
  const lagTimer = setInterval(() => {
    const nc = source.connection;
    if (!nc || nc.isClosed()) return;
    void nc
      .jetstreamManager({ timeout: 2000 })
      .then((jsm) => jsm.consumers.info(config.nats.stream, config.nats.consumer))
      .then((info) => metrics.pending.set(info.num_pending))
      .catch(() => {});
  }, 5000);
  lagTimer.unref();

  let server: Server | undefined;
  let port: number | undefined;
  if (config.listen) {
    const [host, p] = [config.listen.slice(0, config.listen.lastIndexOf(':')), Number(config.listen.slice(config.listen.lastIndexOf(':') + 1))];
    server = createServer((req, res) => {
      if (req.url === '/metrics') {
        void metrics.registry.metrics().then((text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        });
      } else if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok\n');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(p, host, () => resolve());
    });
    port = (server.address() as { port: number }).port;
    log.info({ listen: `${host}:${port}` }, 'serving /metrics');
  }

  log.info({ receivers: [...receivers.keys()], stream: config.nats.stream, consumer: config.nats.consumer }, 'vigil-notify started');

  return {
    port,
    metrics,
    async stop() {
      source.stopConsuming();
      deadman?.stop();
      dispatcher.stop();
      await serial.idle();
      clearInterval(lagTimer);
      await source.close();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      for (const { receiver } of receivers.values()) await receiver.close?.().catch(() => {});
      store.close();
    },
  };
}
