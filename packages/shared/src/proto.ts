import type * as grpc from '@grpc/grpc-js';
import type * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { buildAgentServiceProto } from './agent-service.js';
import type { ProtoGrpcType } from './generated/agent.js';
import type { AgentMessage__Output } from './generated/vigil/v1/AgentMessage.js';
import type { CoordinatorMessage__Output } from './generated/vigil/v1/CoordinatorMessage.js';

/**
 * Where `proto/` is, relative to the running module. A release bundle (scripts/package.mjs)
 * sits in `lib/` of its install folder with `proto/` beside `lib/`, and is built with
 * `__VIGIL_PROTO_DIR__` defined as '../proto/'. Everywhere else (src/ and dist/ of a
 * package, and the repository's agent bundle in packages/agent/dist/) the module sits two
 * levels below the repository root, where `proto/` is.
 */
declare const __VIGIL_PROTO_DIR__: string | undefined;
export const PROTO_DIR = fileURLToPath(new URL(typeof __VIGIL_PROTO_DIR__ === 'string' ? __VIGIL_PROTO_DIR__ : '../../../proto/', import.meta.url));

/** Loader options shared with `scripts/gen-proto.mjs`, so the types match the runtime. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/**
 * gRPC's trailing-metadata key for "retry after this many milliseconds" (gRFC A6): the
 * coordinator sets it on a shed Hello, the agent honours it.
 */
export const RETRY_PUSHBACK_KEY = 'grpc-retry-pushback-ms';

/** Largest agent message the coordinator decodes; bigger ones are refused unread. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;

/** What a wrapped deserializer yields instead of throwing, so the handler can refuse it cleanly. */
export type Undecodable = { readonly undecodable: 'too_large' | 'malformed'; readonly bytes: number; readonly detail: string };

export function isUndecodable(m: unknown): m is Undecodable {
  return typeof m === 'object' && m !== null && 'undecodable' in m;
}

export interface Contract {
  proto: ProtoGrpcType;
  /** The service definition for the coordinator's server, with guarded request decoding. */
  agentService: grpc.ServiceDefinition;
}

let cached: ProtoGrpcType | undefined;

/** The contract as the agent loads it: protobufjs alone (agent-service.ts explains why). */
export function loadProto(): ProtoGrpcType {
  cached ??= buildAgentServiceProto(PROTO_DIR);
  return cached;
}

/**
 * The AgentService definition whose request decoder never throws: grpc-js would turn a
 * decode error into a bare INTERNAL status, while Vigil owes the agent an
 * INVALID_ARGUMENT that names the problem.
 */
export function guardedAgentService(maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES, proto: ProtoGrpcType = loadProto()): grpc.ServiceDefinition {
  const base = proto.vigil.v1.AgentService.service as unknown as grpc.ServiceDefinition;
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(base)) {
    const decode = method.requestDeserialize;
    out[name] = {
      ...method,
      requestDeserialize: (buf: Buffer) => {
        if (buf.length > maxMessageBytes) {
          return { undecodable: 'too_large', bytes: buf.length, detail: `message of ${buf.length} bytes exceeds the limit of ${maxMessageBytes}` } satisfies Undecodable;
        }
        try {
          return decode(buf);
        } catch (err) {
          return { undecodable: 'malformed', bytes: buf.length, detail: (err as Error).message } satisfies Undecodable;
        }
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

export type AgentMessage = AgentMessage__Output;
export type CoordinatorMessage = CoordinatorMessage__Output;
