import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { isAbsolute, join } from 'node:path';
import type { ProtoGrpcType } from './generated/agent.js';

/**
 * How messages become objects, as `LOADER_OPTIONS` (proto.ts) asks of @grpc/proto-loader:
 * int64 as numbers, enums as their names, absent fields as their defaults, and each oneof's
 * chosen field named in a property of the oneof's name.
 */
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: true, oneofs: true };

const SERVICE = 'vigil.v1.AgentService';

/**
 * The AgentService client constructor, built from the .proto files with protobufjs alone.
 *
 * Why not @grpc/proto-loader's `loadSync` here: it also builds the descriptor of every type
 * (for gRPC reflection, which Vigil does not serve) and loads Google's descriptor protos
 * when imported, ~0.8 MB of heap that every agent would carry for its lifetime
 * (bench/agent-footprint/README.md). protobufjs is the engine proto-loader itself runs on:
 * the same parse (`keepCase: false`), the same `fromObject`/`encode` and
 * `decode`/`toObject` calls with the same options, so the bytes and the objects are the
 * same (agent-service.test.ts compares the two). The coordinator keeps proto-loader
 * (`@vigil/shared/proto-loader`).
 */
export function buildAgentServiceProto(protoDir: string): ProtoGrpcType {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(protoDir, target));
  root.loadSync('vigil/v1/agent.proto', { keepCase: false });
  root.resolveAll();
  const service = root.lookupService(SERVICE);
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methodsArray) {
    const request = method.resolvedRequestType;
    const response = method.resolvedResponseType;
    if (!request || !response) throw new Error(`${SERVICE}.${method.name}: its message types did not resolve`);
    definition[method.name] = {
      path: `/${SERVICE}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: serializer(request),
      requestDeserialize: deserializer(request),
      responseSerialize: serializer(response),
      responseDeserialize: deserializer(response),
      // grpc-js adds a method under this name too (proto-loader's lodash camelCase of it;
      // the same for the single-word names of this service).
      originalName: method.name.charAt(0).toLowerCase() + method.name.slice(1),
    };
  }
  const AgentService = grpc.makeGenericClientConstructor(definition as grpc.ServiceDefinition, 'AgentService');
  return { vigil: { v1: { AgentService } } } as unknown as ProtoGrpcType;
}

function serializer(type: protobuf.Type): (value: unknown) => Buffer {
  return (value) => {
    if (Array.isArray(value)) throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
    // In Node protobufjs writes into a Buffer, which grpc-js takes as it is.
    return type.encode(type.fromObject(value as Record<string, unknown>)).finish() as Buffer;
  };
}

function deserializer(type: protobuf.Type): (bytes: Buffer) => unknown {
  return (bytes) => type.toObject(type.decode(bytes), TO_OBJECT);
}
