import type * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { buildAgentServiceProto } from './agent-service.js';
import { PROTO_DIR } from './proto.js';
import { loadProtoWithLoader } from './proto-loader.js';

/*
 * The agent builds the contract with protobufjs alone, the coordinator with
 * @grpc/proto-loader. Every message either side can send must come out of both as the
 * same bytes, and the same bytes as the same object.
 */
const lean = buildAgentServiceProto(PROTO_DIR).vigil.v1.AgentService.service as unknown as grpc.ServiceDefinition;
const loader = loadProtoWithLoader().vigil.v1.AgentService.service as unknown as grpc.ServiceDefinition;

const root = new protobuf.Root();
root.resolvePath = (_o, t) => `${PROTO_DIR}${t}`;
root.loadSync('vigil/v1/agent.proto', { keepCase: false });
root.resolveAll();

const SCALARS: Record<string, unknown> = {
  double: 1.5, float: 2.5, bool: true, string: 'text', bytes: Buffer.from([1, 2, 250]),
  int32: -7, sint32: -8, sfixed32: -9, uint32: 7, fixed32: 8,
  // Beyond 32 bits: a Unix time in milliseconds, as the contract carries them.
  int64: 1_733_300_000_123, sint64: -1_733_300_000_123, sfixed64: 1_733_300_000_124, uint64: 1_733_300_000_125, fixed64: 1_733_300_000_126,
};

function valueOf(field: protobuf.Field, depth: number): unknown {
  const t = field.resolvedType;
  if (t instanceof protobuf.Enum) return Object.keys(t.values).at(-1);
  if (t instanceof protobuf.Type) return fill(t, depth + 1);
  return SCALARS[field.type];
}

/** An object with every field of `type` set, one member of each (real) oneof, down to depth 4. */
function fill(type: protobuf.Type, depth = 0, chosen?: protobuf.Field): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (depth > 4) return out;
  for (const field of type.fieldsArray) {
    const oneof = field.partOf;
    // A proto3 `optional` is a oneof of one: always set.
    if (oneof && oneof.fieldsArray.length > 1 && field !== (chosen?.partOf === oneof ? chosen : oneof.fieldsArray[0])) continue;
    if (field instanceof protobuf.MapField) out[field.name] = { a: valueOf(field, depth), b: valueOf(field, depth) };
    else if (field.repeated) out[field.name] = [valueOf(field, depth), valueOf(field, depth)];
    else out[field.name] = valueOf(field, depth);
  }
  return out;
}

/** One message per member of the top-level oneof (hello, heartbeat, liveness, ...), plus an empty one. */
function variants(typeName: string): Array<[string, Record<string, unknown>]> {
  const type = root.lookupType(typeName);
  const members = type.oneofsArray.flatMap((o) => o.fieldsArray);
  return [['empty', {}], ...members.map((m): [string, Record<string, unknown>] => [m.name, fill(type, 0, m)])];
}

describe('contract - the agent\'s protobufjs build of AgentService matches proto-loader\'s', () => {
  it('has the same methods, paths and stream kinds', () => {
    const shape = (d: grpc.ServiceDefinition) => Object.entries(d).map(([k, m]) => [k, m.path, m.requestStream, m.responseStream, m.originalName]);
    expect(shape(lean)).toEqual(shape(loader));
    expect(Object.keys(lean)).toEqual(['Connect']);
  });

  const connectLean = lean['Connect']!;
  const connectLoader = loader['Connect']!;

  // Each direction: what the agent sends (request) and what the coordinator sends (response).
  const directions = [
    { type: 'vigil.v1.AgentMessage', encode: 'requestSerialize', decode: 'requestDeserialize' },
    { type: 'vigil.v1.CoordinatorMessage', encode: 'responseSerialize', decode: 'responseDeserialize' },
  ] as const;
  const cases = directions.flatMap((d) => variants(d.type).map(([name, message]) => ({ ...d, name, message })));

  it.each(cases)('$type $name: same bytes, same object back', ({ encode, decode, name, message }) => {
    const bytes = connectLean[encode](message);
    expect(Buffer.from(bytes)).toEqual(Buffer.from(connectLoader[encode](message)));
    const back = connectLean[decode](bytes) as { body?: string };
    expect(back).toEqual(connectLoader[decode](bytes));
    expect(back.body).toBe(name === 'empty' ? undefined : name);
  });

  it('decodes int64 as numbers, enums as names and says which oneof member is set, as LOADER_OPTIONS asks', () => {
    const hb = variants('vigil.v1.AgentMessage').find(([n]) => n === 'heartbeat')![1];
    const back = connectLean.requestDeserialize(connectLean.requestSerialize(hb)) as Record<string, unknown> & { heartbeat: Record<string, unknown> };
    expect(back['body']).toBe('heartbeat');
    expect(back.heartbeat['sentAtMs']).toBe(1_733_300_000_123);
    expect(back.heartbeat['seq']).toBe(1_733_300_000_125);
    expect(back['hello']).toBeUndefined();
  });

  it('refuses an array where a message belongs, as proto-loader does', () => {
    expect(() => connectLean.requestSerialize([])).toThrow(/expected object with AgentMessage structure, got array/);
  });
});
