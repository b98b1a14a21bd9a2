// The agent contract on the wire: protobuf messages from proto/vigil/v1 in gRPC's
// length-prefixed framing, without grpc-js. One simulator process must drive thousands of
// HTTP/2 connections, and grpc-js clients cost far more per connection than a bare
// node:http2 session; the bytes are the same.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isAbsolute, join } from 'node:path';

const require = createRequire(import.meta.url);
// protobufjs is not a root dependency; load the copy @grpc/proto-loader uses, so encoding
// matches what the coordinator's proto-loader decodes.
const protobuf = createRequire(require.resolve('@grpc/proto-loader'))('protobufjs');

export const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));
export const CONNECT_PATH = '/vigil.v1.AgentService/Connect';

/** Request headers of AgentService.Connect, as any gRPC client sends them. */
export const CONNECT_HEADERS = Object.freeze({
  ':method': 'POST',
  ':path': CONNECT_PATH,
  'content-type': 'application/grpc',
  te: 'trailers',
  'user-agent': 'vigil-fleet-sim/1',
});

/**
 * The coordinator's retry hint in a stream's closing headers: RESOURCE_EXHAUSTED (8) with
 * `grpc-retry-pushback-ms` (gRFC A6), as vigil-agent reads it (packages/agent
 * retry-pushback.ts); undefined for anything else.
 */
export function retryPushbackMs(headers) {
  if (String(headers['grpc-status']) !== '8') return undefined;
  const raw = headers['grpc-retry-pushback-ms'];
  const text = String(Array.isArray(raw) ? raw[0] : (raw ?? '')).trim();
  return /^\d{1,10}$/.test(text) ? Math.min(300_000, Number(text)) : undefined;
}

function loadRoot() {
  const root = new protobuf.Root();
  // Imports in the contract are relative to proto/ (as proto-loader's includeDirs does).
  root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(PROTO_DIR, target));
  root.loadSync('vigil/v1/agent.proto');
  root.resolveAll();
  return root;
}

const root = loadRoot();
const AgentMessage = root.lookupType('vigil.v1.AgentMessage');
const CoordinatorMessage = root.lookupType('vigil.v1.CoordinatorMessage');

/** Encodes one AgentMessage (a plain object in camelCase) as one gRPC frame. */
export function frameAgentMessage(message) {
  const body = AgentMessage.encode(message).finish();
  const frame = Buffer.allocUnsafe(5 + body.length);
  frame[0] = 0; // not compressed
  frame.writeUInt32BE(body.length, 1);
  frame.set(body, 5);
  return frame;
}

/** uint64/int64 fields decode as Long when long.js is around; the values here fit a double. */
export function toNumber(v) {
  return typeof v === 'number' ? v : v == null ? 0 : Number(v.toString());
}

/** Decodes one CoordinatorMessage body into `{ kind, value }` with kind the oneof member. */
export function decodeCoordinatorMessage(body) {
  const m = CoordinatorMessage.decode(body);
  const kind = m.body;
  return { kind, value: kind ? m[kind] : undefined };
}

/**
 * Splits a byte stream into gRPC message bodies. Frames can straddle DATA chunks and a
 * chunk can hold many frames; the common case (one whole frame per chunk) copies nothing.
 */
export class FrameReader {
  #pending = null;

  /** Calls `onMessage(body)` for every complete frame; throws on a compressed frame. */
  push(chunk, onMessage) {
    let buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = null;
    let off = 0;
    while (buf.length - off >= 5) {
      const len = buf.readUInt32BE(off + 1);
      if (buf.length - off < 5 + len) break;
      if (buf[off] !== 0) throw new Error('compressed gRPC frame: the simulator never asks for compression');
      onMessage(buf.subarray(off + 5, off + 5 + len));
      off += 5 + len;
    }
    if (off < buf.length) this.#pending = Buffer.from(buf.subarray(off));
  }
}
