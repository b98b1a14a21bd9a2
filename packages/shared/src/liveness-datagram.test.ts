import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeLivenessDatagram, encodeLivenessDatagram, LIVENESS_DATAGRAM } from './liveness-datagram.js';

const key = randomBytes(LIVENESS_DATAGRAM.keyBytes);
const keys = new Map<number, Uint8Array>([[7, key]]);
const decode = (buf: Uint8Array, last = 0) => decodeLivenessDatagram(buf, (s) => keys.get(s), () => last);

describe('liveness datagram', () => {
  it('round-trips slot, seq and stall in 32 bytes', () => {
    const buf = encodeLivenessDatagram(key, { slot: 7, seq: 42, agentStallMs: 1300 });
    expect(buf.length).toBe(32);
    expect(decode(buf)).toEqual({ ok: true, datagram: { slot: 7, seq: 42, agentStallMs: 1300 } });
  });

  it('refuses a datagram signed with another stream key, naming the slot', () => {
    const buf = encodeLivenessDatagram(randomBytes(16), { slot: 7, seq: 1, agentStallMs: 0 });
    expect(decode(buf)).toMatchObject({ ok: false, reason: 'mac', detail: "mac: does not match slot 7's key" });
  });

  it('refuses any changed byte of the signed part', () => {
    const good = encodeLivenessDatagram(key, { slot: 7, seq: 5, agentStallMs: 0 });
    for (const at of [2, 3, 9, 10, 11, 12, 15]) {
      const bad = Buffer.from(good);
      bad[at] = bad[at]! ^ 1;
      expect(decode(bad).ok, `byte ${at}`).toBe(false);
    }
  });

  it('refuses a replayed or older sequence number', () => {
    const buf = encodeLivenessDatagram(key, { slot: 7, seq: 5, agentStallMs: 0 });
    expect(decode(buf, 5)).toMatchObject({ ok: false, reason: 'replay', detail: 'seq: 5 is not after 5, the last taken for slot 7' });
    expect(decode(buf, 4).ok).toBe(true);
  });

  it('names the field of a datagram that is not one', () => {
    expect(decode(Buffer.alloc(31))).toMatchObject({ ok: false, reason: 'size', detail: 'length: expected 32 bytes, got 31' });
    const wrongMagic = encodeLivenessDatagram(key, { slot: 7, seq: 1, agentStallMs: 0 });
    wrongMagic[0] = 0x47;
    expect(decode(wrongMagic)).toMatchObject({ ok: false, reason: 'magic', detail: 'magic: expected 0x56, got 0x47' });
    const wrongVersion = encodeLivenessDatagram(key, { slot: 7, seq: 1, agentStallMs: 0 });
    wrongVersion[1] = 9;
    expect(decode(wrongVersion)).toMatchObject({ ok: false, reason: 'version', detail: 'version: expected 1, got 9' });
    expect(decode(encodeLivenessDatagram(key, { slot: 8, seq: 1, agentStallMs: 0 }))).toMatchObject({ ok: false, reason: 'slot', detail: 'slot: 8 belongs to no open stream' });
  });

  it('will not encode what does not fit its field', () => {
    expect(() => encodeLivenessDatagram(key, { slot: -1, seq: 1, agentStallMs: 0 })).toThrow('slot must be a uint32, got -1');
    expect(() => encodeLivenessDatagram(key, { slot: 1, seq: 2 ** 32, agentStallMs: 0 })).toThrow('seq must be a uint32');
  });
});
