import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, systemClock } from '@vigil/shared';
import { NatsServer } from '../../../../test/helpers/nats-server.js';
import { readStream } from '../../../../test/helpers/nats-watch.js';
import { waitFor } from '../../../../test/helpers/poll.js';
import { openDb, type Db } from '../store/db.js';
import { OutboxStore } from '../store/outbox-store.js';
import { NatsLink } from './nats-link.js';
import { OutboxPublisher } from './publisher.js';

const log = createLogger('test', 'silent');
let nats: NatsServer;
let dir: string;
let db: Db;
let outbox: OutboxStore;
let link: NatsLink;
let publisher: OutboxPublisher;
let n = 0;

function add(count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `ev-${++n}`;
    outbox.add(id, `vigil.v1.test.e.h${n % 3}`, JSON.stringify({ id, n }), Date.now());
    ids.push(id);
  }
  publisher.kick();
  return ids;
}

beforeAll(async () => {
  nats = await NatsServer.start();
  dir = mkdtempSync(join(tmpdir(), 'vigil-outbox-'));
  db = openDb(dir);
  outbox = new OutboxStore(db);
  link = new NatsLink({ servers: [nats.url], stream: 'VIGIL', name: 'test', duplicateWindowMs: 600_000, maxAgeMs: 3_600_000 }, log);
  link.start();
  publisher = new OutboxPublisher(outbox, link, systemClock, log, { batchSize: 16, retainPublishedMs: 3_600_000 });
  publisher.start();
});

afterAll(async () => {
  await publisher?.stop();
  await link?.close();
  db?.close();
  await nats?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('outbox - publishing to JetStream', () => {
  it('creates the stream and publishes every event once, in order', async () => {
    const ids = add(100);
    await waitFor(() => outbox.depth() === 0, { timeoutMs: 10_000 });
    const stored = await readStream(nats.url);
    expect(stored.map((s) => s.msgId)).toEqual(ids);
  });

  it('keeps events while NATS is down and publishes them exactly once when it returns', async () => {
    await nats.stop();
    await waitFor(() => !link.connected, { timeoutMs: 5000 });
    const ids = add(5);
    expect(outbox.depth()).toBe(5);
    await nats.startAgain();
    await waitFor(() => outbox.depth() === 0, { timeoutMs: 15_000 });
    const stored = await readStream(nats.url);
    const tail = stored.slice(-5).map((s) => s.msgId);
    expect(tail).toEqual(ids);
    const counts = new Map<string, number>();
    for (const s of stored) counts.set(s.msgId!, (counts.get(s.msgId!) ?? 0) + 1);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(stored).toHaveLength(105);
  });

  it('does not duplicate an event whose ack was lost and that is published again', async () => {
    const [id] = add(1);
    await waitFor(() => outbox.depth() === 0, { timeoutMs: 5000 });
    // What a crash between publish and mark looks like: the same id goes out again.
    const again = await link.publish('vigil.v1.test.e.h0', JSON.stringify({ id }), id!);
    expect(again.duplicate).toBe(true);
    const stored = await readStream(nats.url);
    expect(stored.filter((s) => s.msgId === id)).toHaveLength(1);
  });

  it('declares the stream again when the server lost it', async () => {
    const nc = await connect({ servers: nats.url });
    await (await nc.jetstreamManager()).streams.delete('VIGIL');
    await nc.close();
    const ids = add(3);
    await waitFor(() => outbox.depth() === 0, { timeoutMs: 15_000 });
    expect((await readStream(nats.url)).map((s) => s.msgId)).toEqual(ids);
  });
});
