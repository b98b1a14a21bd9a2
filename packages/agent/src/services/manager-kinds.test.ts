import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '@vigil/shared';
import type { ServiceManager } from './manager.js';
import { createManager, MANAGERS, ownsProcesses } from './managers.js';
import { parseServices, type ServiceSpec } from './schema.js';

/*
 * A manager kind registered only by one line in MANAGER_KINDS (the mock below appends it, as
 * a contributor's line would) is accepted by the service schema with every common field,
 * and built by the factory with its own deps and the shared clock: nothing else changes.
 */
vi.mock('./manager-kinds.js', async (importOriginal) => {
  const { z } = await import('zod');
  const { defineManagerKind } = await import('./manager-kind.js');
  const original = await importOriginal<typeof import('./manager-kinds.js')>();
  const containerKind = defineManagerKind({
    kind: 'container',
    fields: () => ({ image: z.string().min(1, 'must name an image') }),
    create: (spec, deps: { runtime: string } | undefined, clock) => ({ kind: 'container', name: `${deps?.runtime ?? '?'}:${spec.image}:${spec.name}`, clock }) as unknown as ServiceManager,
    ownsProcesses: true,
  });
  return { ...original, MANAGER_KINDS: [...original.MANAGER_KINDS, containerKind] };
});

const parse = (svc: Record<string, unknown>) => parseServices([svc], { defaultIntervalMs: 1_000 })[0]!;

describe('manager kinds', () => {
  it('MANAGER_KINDS - a kind registered by one line there is accepted by the schema, with the common fields and defaults', () => {
    const spec = parse({ name: 'web', manager: 'container', image: 'nginx', checks: [{ type: 'tcp', port: 80 }] }) as unknown as Record<string, unknown>;
    expect(spec).toMatchObject({ name: 'web', manager: 'container', image: 'nginx', logs: [], ports: [], checks: [{ type: 'tcp', port: 80, host: '127.0.0.1' }], recovery: { enabled: true, budget: { max: 3 } } });
  });

  it('MANAGER_KINDS - its own fields are validated and named in the error; another kind\'s fields are refused', () => {
    expect(() => parse({ name: 'web', manager: 'container', image: '' })).toThrow(/services\[0\]\.image.*must name an image/);
    expect(() => parse({ name: 'web', manager: 'container', image: 'x', unit: 'x.service' })).toThrow(/unit/);
  });

  it('MANAGER_KINDS - the factory builds it with its own deps and the shared clock', () => {
    const clock = new FakeClock(0);
    const spec = parse({ name: 'web', manager: 'container', image: 'nginx' }) as unknown as ServiceSpec;
    const m = createManager(spec, { container: { runtime: 'podman' }, clock } as never) as unknown as { kind: string; name: string; clock: unknown };
    expect(m).toEqual({ kind: 'container', name: 'podman:nginx:web', clock });
    expect(Object.keys(MANAGERS).sort()).toEqual(['container', 'process', 'systemd']);
    expect([ownsProcesses('container'), ownsProcesses('process'), ownsProcesses('systemd'), ownsProcesses('unknown')]).toEqual([true, true, false, false]);
  });
});
