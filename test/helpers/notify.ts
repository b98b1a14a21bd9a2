import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, nanos, RetentionPolicy, StorageType, type JetStreamClient, type NatsConnection } from 'nats';
import { spawnProgram, type Child } from './processes.js';
import { tempDir } from './temp-dir.js';

export const NOTIFY_BIN = fileURLToPath(new URL('../../packages/notify/bin/vigil-notify.js', import.meta.url));

/**
 * vigil-notify as a child process with a config file written from `yaml`, its store in
 * `dataDir` (kept across restarts, as on a real host).
 */
export class NotifyProcess {
  child: Child;
  private constructor(
    readonly configFile: string,
    readonly dataDir: string,
  ) {
    this.child = NotifyProcess.spawn(configFile);
  }

  private static spawn(configFile: string): Child {
    return spawnProgram('vigil-notify', NOTIFY_BIN, ['--config', configFile], { ...process.env, VIGIL_LOG_LEVEL: 'info' });
  }

  /** `yaml` gets `dataDir:` prepended. */
  static start(yaml: string, dataDir = tempDir('notify')): NotifyProcess {
    const configFile = join(dataDir, 'notify.yaml');
    writeFileSync(configFile, `dataDir: ${join(dataDir, 'store')}\n${yaml}`);
    return new NotifyProcess(configFile, dataDir);
  }

  /** Starts it again on the same config and store, after a stop or a kill. */
  restart(): void {
    if (this.child.running) throw new Error('vigil-notify is still running');
    this.child = NotifyProcess.spawn(this.configFile);
  }

  /** Lines of its JSON log whose msg matches. */
  logLines(msg: RegExp): Record<string, unknown>[] {
    return this.child.stderr
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return { msg: l };
        }
      })
      .filter((l) => msg.test(String(l['msg'])));
  }
}

/**
 * Publishes as the coordinator's outbox does: JetStream publish with the event id as
 * Nats-Msg-Id to the VIGIL stream (declared here as the coordinator declares it).
 */
export class StreamPublisher {
  private constructor(
    readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
  ) {}

  static async start(url: string, stream = 'VIGIL'): Promise<StreamPublisher> {
    const nc = await connect({ servers: url, name: 'vigil-test-publisher', maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: ['vigil.v1.>'], retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: nanos(600_000), max_age: nanos(3_600_000) }).catch((err: Error) => {
      if (!/already in use/i.test(err.message)) throw err;
    });
    return new StreamPublisher(nc, nc.jetstream({ timeout: 5000 }));
  }

  async publish(subject: string, event: { id: string }): Promise<void> {
    await this.js.publish(subject, JSON.stringify(event), { msgID: event.id });
  }

  /** The durable consumer's counts: what is left to hand out and what is handed out unacknowledged. */
  async consumer(name = 'vigil-notify', stream = 'VIGIL'): Promise<{ pending: number; ackPending: number; redelivered: number }> {
    const info = await (await this.nc.jetstreamManager()).consumers.info(stream, name);
    return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
