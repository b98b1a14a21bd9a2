import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The liveness datagram (docs/contract.md): a UDP alternative to the stream's Liveness
 * message, which costs the coordinator a third as much (bench/liveness). 32 bytes:
 *
 *   0      magic 0x56 ('V')
 *   1      version (1)
 *   2..3   zero
 *   4..7   slot, uint32 big-endian: the stream's slot from Welcome
 *   8..11  seq, uint32 big-endian: 1, 2, 3... per stream; the coordinator takes only newer ones
 *   12..15 agent_stall_ms, uint32 big-endian: as in the Liveness message
 *   16..31 the first 16 bytes of HMAC-SHA256(key, bytes 0..15), with the stream's key
 *
 * The key is given in the Welcome over the (TLS) stream, a fresh one per stream, so a
 * datagram proves it comes from the agent holding that stream; the sequence number
 * refuses a datagram recorded and sent again.
 */
export const LIVENESS_DATAGRAM = {
  bytes: 32,
  magic: 0x56,
  version: 1,
  signedBytes: 16,
  macBytes: 16,
  keyBytes: 16,
} as const;

/** Capability in Hello: the agent sends liveness datagrams when Welcome gives it a port. */
export const LIVENESS_DATAGRAM_CAPABILITY = 'liveness_datagram';

export interface LivenessDatagram {
  slot: number;
  seq: number;
  agentStallMs: number;
}

const UINT32_MAX = 0xffff_ffff;

function macOf(key: Uint8Array, signed: Uint8Array): Buffer {
  return createHmac('sha256', key).update(signed).digest().subarray(0, LIVENESS_DATAGRAM.macBytes);
}

export function encodeLivenessDatagram(key: Uint8Array, d: LivenessDatagram): Buffer {
  for (const [field, v] of [['slot', d.slot], ['seq', d.seq], ['agentStallMs', d.agentStallMs]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > UINT32_MAX) throw new RangeError(`liveness datagram ${field} must be a uint32, got ${v}`);
  }
  const buf = Buffer.alloc(LIVENESS_DATAGRAM.bytes);
  buf[0] = LIVENESS_DATAGRAM.magic;
  buf[1] = LIVENESS_DATAGRAM.version;
  buf.writeUInt32BE(d.slot, 4);
  buf.writeUInt32BE(d.seq, 8);
  buf.writeUInt32BE(Math.min(d.agentStallMs, UINT32_MAX), 12);
  macOf(key, buf.subarray(0, LIVENESS_DATAGRAM.signedBytes)).copy(buf, LIVENESS_DATAGRAM.signedBytes);
  return buf;
}

export type DatagramRejection = 'size' | 'magic' | 'version' | 'slot' | 'mac' | 'replay';

export type DecodedDatagram = { ok: true; datagram: LivenessDatagram } | { ok: false; reason: DatagramRejection; detail: string };

/**
 * Checks a datagram against the key of the slot it names and the last seq taken for it.
 * Every refusal names what was wrong, for the coordinator's counters and its log.
 */
export function decodeLivenessDatagram(raw: Uint8Array, keyOf: (slot: number) => Uint8Array | undefined, lastSeq: (slot: number) => number): DecodedDatagram {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  if (buf.length !== LIVENESS_DATAGRAM.bytes) return { ok: false, reason: 'size', detail: `length: expected ${LIVENESS_DATAGRAM.bytes} bytes, got ${buf.length}` };
  if (buf[0] !== LIVENESS_DATAGRAM.magic) return { ok: false, reason: 'magic', detail: `magic: expected 0x56, got 0x${buf[0]!.toString(16).padStart(2, '0')}` };
  if (buf[1] !== LIVENESS_DATAGRAM.version) return { ok: false, reason: 'version', detail: `version: expected ${LIVENESS_DATAGRAM.version}, got ${buf[1]}` };
  const slot = buf.readUInt32BE(4);
  const key = keyOf(slot);
  if (!key) return { ok: false, reason: 'slot', detail: `slot: ${slot} belongs to no open stream` };
  const mac = macOf(key, buf.subarray(0, LIVENESS_DATAGRAM.signedBytes));
  if (!timingSafeEqual(mac, buf.subarray(LIVENESS_DATAGRAM.signedBytes))) return { ok: false, reason: 'mac', detail: `mac: does not match slot ${slot}'s key` };
  const seq = buf.readUInt32BE(8);
  const last = lastSeq(slot);
  if (seq <= last) return { ok: false, reason: 'replay', detail: `seq: ${seq} is not after ${last}, the last taken for slot ${slot}` };
  return { ok: true, datagram: { slot, seq, agentStallMs: buf.readUInt32BE(12) } };
}
