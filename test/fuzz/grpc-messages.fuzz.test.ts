import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentEventSchema,
  describeIssues,
  echoReplySchema,
  goodbyeSchema,
  guardedAgentService,
  heartbeatSchema,
  helloSchema,
  livenessStallMs,
  isUndecodable,
  loadProto,
  probeResultSchema,
  requestResultSchema,
  validateProbeRequest,
  type AgentMessage,
} from '@vigil/shared';
import { startStreamFixture, type StreamFixture } from '../../packages/coordinator/src/test-support/stream-fixture.js';
import { agreedInterval, MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../../packages/agent/src/welcome.js';
import { fuzz, fuzzAsync, fuzzTimeout } from './fuzz.js';

const connect = guardedAgentService().Connect!;
const serialize = connect.requestSerialize as (m: unknown) => Buffer;
/** How the agent's generated client decodes what the coordinator sends. */
const decodeCoordinatorMessage = (loadProto().vigil.v1.AgentService.service as unknown as { Connect: { responseDeserialize: (b: Buffer) => unknown } }).Connect.responseDeserialize;

/** gRPC status codes (grpc-js is a dependency of the packages, not of these tests). */
const Status = { OK: 0, UNKNOWN: 2, INVALID_ARGUMENT: 3, INTERNAL: 13 } as const;

const hello = (hostId: string) => ({ hostId, agentVersion: '1.0.0', hostname: hostId, os: null, services: [], capabilities: ['heartbeat.v1'], intervalMs: 1000, labels: {}, startedAtMs: 1 });
const badService = (i: number) => ({ name: `svc-${i}`, state: 'running', pids: [1], checks: [], recovering: false, budgetUsed: -1, budgetMax: -1, exhausted: false, manager: 'systemd', sinceMs: -1, logLinesScanned: -1, logLinesSkipped: -1, memoryBytes: -1, memoryPercent: Number.NaN });

/** Real messages as the agent sends them, as bytes: the starting points for damage. */
const TEMPLATES: readonly Buffer[] = [
  serialize({ hello: hello('fuzz-host') }),
  serialize({ heartbeat: { seq: 1, sentAtMs: 1, resources: { takenAtMs: 1, cpu: { usagePercent: 1, load1: 1, load5: 1, load15: 1, cores: 2 }, memory: null, filesystems: [{ mount: '/', device: '/dev/sda1', fsType: 'ext4', sizeBytes: 1, usedBytes: 1, availableBytes: 1, inodesTotal: 1, inodesUsed: 1 }], network: [] }, collectors: [], services: [badService(0)], findings: [] } }),
  serialize({ event: { eventSeq: 1, atMs: 1, service: 'web', type: 'status_changed', step: '', detail: 'x', cause: '', requestId: '' } }),
  serialize({ probeResult: { requestId: 'r1', kind: 'tcp', target: 'web-1', ok: true, durationMs: 1, error: '' } }),
  serialize({ goodbye: { reason: 'stopping' } }),
  serialize({ liveness: { agentStallMs: 1500 } }),
  serialize({ echoReply: { nonce: 4_000_000_000 } }),
];

/** Bytes a stream can carry: random, or a real message cut, flipped, spliced or repeated. */
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc
    .tuple(fc.constantFrom(...TEMPLATES), fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('flip', 'cut', 'insert', 'dup')), { minLength: 1, maxLength: 4 }))
    .map(([t, edits]) => {
      let b = Buffer.from(t);
      for (const [at, v, op] of edits) {
        const i = b.length ? at % b.length : 0;
        if (op === 'flip' && b.length) b[i] = v;
        else if (op === 'cut') b = b.subarray(0, i);
        else if (op === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.from([v]), b.subarray(i)]);
        else b = Buffer.concat([b, b.subarray(0, i)]);
      }
      return b;
    }),
);

const SCHEMAS = { hello: helloSchema, heartbeat: heartbeatSchema, goodbye: goodbyeSchema, event: agentEventSchema, probeResult: probeResultSchema, requestResult: requestResultSchema, echoReply: echoReplySchema } as const;

/** What the coordinator does with one message body: parse, and on refusal describe every issue. */
function judge(msg: AgentMessage): string[] {
  if (msg.body === undefined) return [];
  if (msg.body === 'liveness') {
    // Checked by hand (the most frequent message): a number, or one line naming the field.
    const r = livenessStallMs(msg.liveness);
    return typeof r === 'string' ? [r] : [];
  }
  const schema = SCHEMAS[msg.body];
  const raw = msg[msg.body];
  const r = schema.safeParse(raw);
  return r.success ? [] : describeIssues(r.error, raw, msg.body);
}

describe('fuzz - gRPC messages from bytes', () => {
  it('the guarded decoder never throws: a message or an Undecodable naming the problem; every refusal names the field and quotes a capped value', () => {
    fuzz('grpc AgentMessage decode + schemas', 2500, bytes, (buf) => {
      const out = connect.requestDeserialize(buf) as unknown;
      if (isUndecodable(out)) {
        expect(out.undecodable).toBe('malformed');
        expect(out.detail.length).toBeGreaterThan(0);
        return;
      }
      for (const line of judge(out as AgentMessage)) {
        expect(line).toMatch(/^(hello|heartbeat|goodbye|event|probeResult|requestResult|liveness|echoReply)[.[:]/);
        expect(line.length).toBeLessThanOrEqual(400);
      }
    });
  }, fuzzTimeout());

  it('an oversized message is refused unread', () => {
    const out = connect.requestDeserialize(Buffer.alloc(256 * 1024 + 1)) as unknown;
    expect(isUndecodable(out) && out.undecodable).toBe('too_large');
  }, fuzzTimeout());

  it('the message schemas never throw on any value where a message body is expected', () => {
    fuzz('message schemas on any value', 1500, fc.tuple(fc.constantFrom(...(Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[])), fc.anything({ maxDepth: 4 })), ([body, value]) => {
      for (const line of judge({ body, [body]: value } as unknown as AgentMessage)) expect(line.length).toBeLessThanOrEqual(400);
    });
  }, fuzzTimeout());

  it('the agent side: a CoordinatorMessage decodes or throws an Error (grpc-js turns it into a status); a probe request is validated to ok or a bounded message', () => {
    fuzz('grpc CoordinatorMessage decode', 1500, fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), (buf) => {
      let msg: { probe?: unknown; welcome?: { intervalMs: number } } | undefined;
      try {
        msg = decodeCoordinatorMessage(buf) as typeof msg & object;
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
        return;
      }
      if (msg.welcome) {
        const ms = agreedInterval(msg.welcome.intervalMs, 5000);
        expect(Number.isInteger(ms) && ms >= MIN_INTERVAL_MS && ms <= MAX_INTERVAL_MS).toBe(true);
      }
      if (msg.probe) {
        const v = validateProbeRequest(msg.probe);
        if (!v.ok) expect(v.message.length).toBeLessThanOrEqual(2000);
      }
    });
    fuzz('probe request validation', 1500, fc.anything({ maxDepth: 3 }), (value) => {
      const v = validateProbeRequest(value);
      if (!v.ok) expect(v.message.length).toBeGreaterThan(0);
    });
  }, fuzzTimeout());
});

describe('fuzz - gRPC messages into a real coordinator', () => {
  let fx: StreamFixture;
  beforeAll(async () => {
    fx = await startStreamFixture('fuzz-grpc', { helloTimeout: '2s' });
  });
  afterAll(async () => {
    await fx?.close();
  }, fuzzTimeout());

  /** One raw stream: the frames as they are, then end; resolves with the status the agent would see. */
  async function send(frames: Buffer[]): Promise<{ code: number; details: string }> {
    const raw = fx.openRaw();
    for (const f of frames) raw.write(f);
    raw.end();
    return raw.status;
  }

  it('no byte sequence gets an INTERNAL or UNKNOWN status or stops the coordinator; refusals say what was wrong', async () => {
    let n = 0;
    const streams = fc.tuple(fc.boolean(), fc.array(bytes, { minLength: 1, maxLength: 3 }));
    await fuzzAsync('grpc stream into a real coordinator', 50, streams, async ([withHello, frames]) => {
      const first = withHello ? [serialize({ hello: hello(`fuzz-${n++}`) })] : [];
      const s = await send([...first, ...frames]);
      expect([Status.INTERNAL, Status.UNKNOWN]).not.toContain(s.code);
      if (s.code !== Status.OK) {
        expect(s.details.length).toBeGreaterThan(0);
        expect(s.details.length).toBeLessThanOrEqual(2000);
      }
    });
    // Still serving: a fresh agent is welcomed.
    const t = fx.open();
    t.call.write({ hello: hello('after-fuzz') });
    await expect.poll(() => t.got.some((m) => m.welcome), { timeout: 10_000 }).toBe(true);
    t.call.end();
  }, fuzzTimeout());

  it('a heartbeat with hundreds of bad fields is refused with INVALID_ARGUMENT and a readable, bounded reason', async () => {
    const hb = serialize({ heartbeat: { seq: 1, sentAtMs: 1, resources: null, collectors: [], services: Array.from({ length: 256 }, (_, i) => badService(i)), findings: [] } });
    const s = await send([serialize({ hello: hello('many-bad-fields') }), hb]);
    expect(s.code).toBe(Status.INVALID_ARGUMENT);
    expect(s.details).toMatch(/^invalid heartbeat: heartbeat\.services\[0\]\./);
    // The first problems and a count, not all 1,280 of them (once a 40 KB status message).
    expect(s.details).toMatch(/; \(\d+ more problems\)$/);
    expect(s.details.length).toBeLessThanOrEqual(2000);
  }, fuzzTimeout());
});
