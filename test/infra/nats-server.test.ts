import { afterAll, describe, expect, it } from 'vitest';
import { connect, headers } from 'nats';
import { NatsServer } from '../helpers/nats-server.js';
import { EventWatcher, countBy, readStream } from '../helpers/nats-watch.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

/** Checks the nats-server launcher the end-to-end tests rely on, without any Vigil binary. */
describe('nats-server launcher', () => {
  let server: NatsServer | undefined;

  afterAll(async () => {
    await server?.stop();
    await stopAllChildren();
    removeTempDirs();
  });

  it('nats-server - starts with JetStream on a free port and accepts clients', async () => {
    server = await NatsServer.start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const nc = await connect({ servers: server.url });
    const jsm = await nc.jetstreamManager();
    const account = await jsm.getAccountInfo();
    expect(account.streams).toBe(0);
    await jsm.streams.add({ name: 'VIGIL', subjects: ['vigil.v1.>'] });
    await nc.close();
  });

  it('nats-server - restart keeps the port and the stream, and dedups by Nats-Msg-Id', async () => {
    const s = server!;
    const port = s.port;
    const watcher = await EventWatcher.start(s.url);
    const nc = await connect({ servers: s.url });
    const js = nc.jetstream();
    const h = headers();
    const ack1 = await js.publish('vigil.v1.host.silent.web-1_example', JSON.stringify({ id: 'e-1' }), { msgID: 'e-1', headers: h });
    expect(ack1.duplicate).toBe(false);
    await nc.close();
    await watcher.waitForEvent((e) => e.subject === 'vigil.v1.host.silent.web-1_example', { timeoutMs: 2000 });

    const pid = s.pid;
    await s.stop();
    expect(s.running).toBe(false);
    await expect(connect({ servers: s.url, maxReconnectAttempts: 0, reconnect: false })).rejects.toThrow();

    await s.startAgain();
    expect(s.port).toBe(port);
    expect(s.pid).not.toBe(pid);

    await watcher.flush();
    const nc2 = await connect({ servers: s.url });
    const ack2 = await nc2.jetstream().publish('vigil.v1.host.silent.web-1_example', JSON.stringify({ id: 'e-1' }), { msgID: 'e-1' });
    expect(ack2.duplicate).toBe(true);
    await nc2.jetstream().publish('vigil.v1.host.online.web-1_example', JSON.stringify({ id: 'e-2' }), { msgID: 'e-2' });
    await nc2.close();

    const stored = await readStream(s.url);
    expect(stored.map((m) => m.subject)).toEqual(['vigil.v1.host.silent.web-1_example', 'vigil.v1.host.online.web-1_example']);
    expect(countBy(stored, (m) => m.msgId)).toEqual(new Map([['e-1', 1], ['e-2', 1]]));

    // The watcher reconnected by itself and sees messages published after the restart.
    const online = await watcher.waitForEvent((e) => e.subject === 'vigil.v1.host.online.web-1_example', { timeoutMs: 5000 });
    expect(online.event).toEqual({ id: 'e-2' });
    expect(online.msgId).toBe('e-2');
    await watcher.close();
  });

  it('nats-server - kill stops it at once and the port can be reused', async () => {
    const s = server!;
    await s.kill();
    expect(s.running).toBe(false);
    await s.startAgain();
    await waitFor(async () => (await readStream(s.url)).length === 2, { timeoutMs: 5000, what: 'stream to survive SIGKILL' });
  });

  it('readStream - returns [] when the stream does not exist', async () => {
    const other = await NatsServer.start();
    try {
      expect(await readStream(other.url)).toEqual([]);
    } finally {
      await other.dispose();
    }
  });
});
