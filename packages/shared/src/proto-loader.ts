import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/agent.js';
import { LOADER_OPTIONS } from './proto.js';

let cached: ProtoGrpcType | undefined;

/**
 * The contract as @grpc/proto-loader loads it, for the coordinator, which runs once per
 * fleet and can afford the type descriptors proto-loader builds. Its own entry point
 * (`@vigil/shared/proto-loader`), so the agent's bundle leaves proto-loader out
 * (agent-service.ts); agent-service.test.ts holds the two to the same bytes and objects.
 */
export function loadProtoWithLoader(): ProtoGrpcType {
  cached ??= grpc.loadPackageDefinition(protoLoader.loadSync('vigil/v1/agent.proto', LOADER_OPTIONS)) as unknown as ProtoGrpcType;
  return cached;
}
