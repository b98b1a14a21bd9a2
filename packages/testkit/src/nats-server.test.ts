import { connect } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { NatsServer, natsServerBinary } from './nats-server.js';
import { removeTempDirs } from './temp-dir.js';

afterAll(() => removeTempDirs());

describe('natsServerBinary', () => {
  it('says how to get nats-server when there is none', () => {
    expect(() => natsServerBinary({ PATH: '/nonexistent-dir' }, [])).toThrow('nats-server not found: install it (apt-get install -y nats-server) or set NATS_SERVER_BIN');
  });

  it('prefers NATS_SERVER_BIN when it is executable', () => {
    const found = natsServerBinary();
    expect(natsServerBinary({ NATS_SERVER_BIN: found, PATH: '' }, [])).toBe(found);
  });

  it('skips a NATS_SERVER_BIN that is not executable', () => {
    expect(natsServerBinary({ NATS_SERVER_BIN: '/nonexistent/nats-server', PATH: '' })).not.toBe('/nonexistent/nats-server');
  });
});

describe('NatsServer', () => {
  it('starts with JetStream on 127.0.0.1 and comes back on the same port after a restart', async () => {
    const server = await NatsServer.start();
    try {
      expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      const port = server.port;
      const nc = await connect({ servers: server.url });
      const jsm = await nc.jetstreamManager();
      expect((await jsm.getAccountInfo()).streams).toBe(0);
      await nc.close();
      await server.restart();
      expect(server.port).toBe(port);
      expect(server.running).toBe(true);
    } finally {
      await server.dispose();
    }
    expect(server.running).toBe(false);
  });
});
