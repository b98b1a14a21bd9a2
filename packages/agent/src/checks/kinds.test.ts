import { describe, expect, it, vi } from 'vitest';
import { parseServices } from '../services/schema.js';
import type { HealthCheck } from './check.js';
import { checkName, checkPorts, createCheck, servesTraffic, type CheckSpec } from './registry.js';

/*
 * A check kind registered only by one line in CHECK_KINDS (the mock below appends it, as a
 * contributor's line would) is accepted by the service schema, built by the factory, named,
 * and counted as a serving probe: nothing else has to change.
 */
vi.mock('./kinds.js', async (importOriginal) => {
  const { z } = await import('zod');
  const { checkCommon, defineCheckKind } = await import('./kind.js');
  const original = await importOriginal<typeof import('./kinds.js')>();
  const udpKind = defineCheckKind({
    type: 'udp',
    schema: (defaultIntervalMs: number) => z.object({ type: z.literal('udp'), port: z.number().int().min(1).max(65_535), ...checkCommon(defaultIntervalMs) }).strict(),
    defaultName: (spec) => `udp ${spec.port}`,
    create: (name, spec, deps: { answer: string } | undefined): HealthCheck => ({ name, type: 'udp', run: async () => ({ ok: true, detail: `${deps?.answer ?? 'none'} from ${spec.port}`, durationMs: 0 }) }),
    servesTraffic: true,
    ports: (spec) => [spec.port],
  });
  return { ...original, CHECK_KINDS: [...original.CHECK_KINDS, udpKind] };
});

const declare = (checks: unknown[]) => parseServices([{ name: 'a', manager: 'process', command: ['x'], checks }], { defaultIntervalMs: 1_000 })[0]!;

describe('check kinds', () => {
  it('CHECK_KINDS - a kind registered by one line there is accepted by the schema, with the common defaults', () => {
    const svc = declare([{ type: 'udp', port: 53 }]);
    expect(svc.checks[0]).toEqual({ type: 'udp', port: 53, interval: 1_000, failuresBeforeCritical: 2, successesBeforePassing: 2 });
  });

  it('CHECK_KINDS - its own fields are validated and named in the error', () => {
    expect(() => declare([{ type: 'udp', port: 0 }])).toThrow(/services\[0\]\.checks\[0\]\.port/);
    expect(() => declare([{ type: 'smtp', port: 25 }])).toThrow(/services\[0\]\.checks\[0\]\.type/);
  });

  it('CHECK_KINDS - the factory builds it with its deps, the name derives from it, it serves traffic', async () => {
    const spec = declare([{ type: 'udp', port: 53 }]).checks[0]! as CheckSpec;
    const check = createCheck(spec, { udp: { answer: 'pong' } } as never);
    expect(check.name).toBe('udp 53');
    expect(checkName(spec)).toBe('udp 53');
    expect(await check.run({ pids: async () => [] })).toEqual({ ok: true, detail: 'pong from 53', durationMs: 0 });
    expect(servesTraffic(spec)).toBe(true);
    expect(checkPorts(spec)).toEqual([53]);
  });

  it('CHECK_KINDS - the built-in kinds keep their serving flag and ports', () => {
    const [http, tcp, resources] = declare([{ type: 'http', url: 'https://127.0.0.1/' }, { type: 'tcp', port: 2 }, { type: 'resources' }]).checks as CheckSpec[];
    expect([http, tcp, resources].map((c) => servesTraffic(c!))).toEqual([true, true, false]);
    expect([http, tcp, resources].map((c) => checkPorts(c!))).toEqual([[443], [2], []]);
  });
});
