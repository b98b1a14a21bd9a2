import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';

/**
 * The AgentService.Connect method and gRPC message framing, for the bare HTTP/2 client and
 * server the tests use where a real agent or coordinator would never misbehave on purpose.
 */
const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

export type ConnectMethod = protoLoader.MethodDefinition<Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>>;

let connectMethod: ConnectMethod | undefined;

/** Loaded once, with the same loader options as the product. */
export function method(): ConnectMethod {
  if (!connectMethod) {
    const def = protoLoader.loadSync('vigil/v1/agent.proto', { includeDirs: [PROTO_DIR], keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
    const service = def['vigil.v1.AgentService'] as protoLoader.ServiceDefinition;
    connectMethod = service['Connect'] as unknown as ConnectMethod;
  }
  return connectMethod;
}

/** A gRPC length-prefixed message: uncompressed flag, big-endian length, bytes. */
export function frame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}
