import { describe, expect, it } from 'vitest';
import { emptyFilter, FleetModel, matches, NO_ZONE } from './fleet-model.js';
import { hostEventOf } from './live.js';
import type { HostSummary } from './types.js';

const host = (id: string, state: HostSummary['state'], zone?: string, services: string[] = []): HostSummary => ({
  id,
  state,
  stateSince: '2026-12-01T00:00:00Z',
  lastSeen: null,
  connected: state === 'online',
  hostname: `${id}.example.com`,
  labels: zone ? { zone } : {},
  services: services.map((name) => ({ name })),
});

describe('console fleet model', () => {
  it('fleet - a new list reports only what was added, changed or removed', () => {
    const m = new FleetModel();
    expect(m.replace([host('a', 'online', 'eu'), host('b', 'online')]).added.map((h) => h.id)).toEqual(['a', 'b']);
    const d = m.replace([host('a', 'silent', 'eu'), host('c', 'online', 'us')]);
    expect({ added: d.added.map((h) => h.id), changed: d.changed.map((h) => h.id), removed: d.removed }).toEqual({ added: ['c'], changed: ['a'], removed: ['b'] });
    expect(m.replace([host('a', 'silent', 'eu'), host('c', 'online', 'us')])).toEqual({ added: [], changed: [], removed: [] });
    expect(m.counts()).toEqual({ online: 1, suspect: 0, silent: 1, left: 0 });
    expect(m.zones()).toEqual(['eu', 'us']);
  });

  it('fleet - a state event changes one host; an unknown host returns null so the page refetches', () => {
    const m = new FleetModel();
    m.replace([host('a', 'online')]);
    expect(m.setState('a', 'silent', '2026-12-01T00:01:00Z')).toMatchObject({ id: 'a', state: 'silent', stateSince: '2026-12-01T00:01:00Z' });
    expect(m.setState('zz', 'silent', '2026-12-01T00:01:00Z')).toBeNull();
    expect(m.zones()).toEqual([NO_ZONE]);
  });

  it('fleet - filter by text (id or hostname, any case), state and zone, all at once', () => {
    const h = host('web-1', 'silent', 'eu');
    expect(matches(h, { ...emptyFilter(), q: 'WEB' })).toBe(true);
    expect(matches(h, { ...emptyFilter(), q: 'example.com' })).toBe(true);
    expect(matches(h, { ...emptyFilter(), q: 'db' })).toBe(false);
    expect(matches(h, { ...emptyFilter(), states: new Set(['online', 'suspect'] as const) })).toBe(false);
    expect(matches(h, { ...emptyFilter(), states: new Set(['silent'] as const), zone: 'eu' })).toBe(true);
    expect(matches(h, { ...emptyFilter(), zone: 'us' })).toBe(false);
  });

  it('fleet - host events name the host from the payload (the subject mangles dots) and the state from either', () => {
    const e = (subject: string, payload: unknown) => ({ seq: 1, subject, at: 0, payload });
    expect(hostEventOf(e('vigil.v1.host.silent.web-2_eu_example_com', { data: { hostId: 'web-2.eu.example.com', state: 'silent' } }))).toEqual({ id: 'web-2.eu.example.com', state: 'silent' });
    expect(hostEventOf(e('vigil.v1.host.online.db-1', { data: { hostId: 'db-1' } }))).toEqual({ id: 'db-1', state: 'online' });
    expect(hostEventOf(e('vigil.v1.host.removed.db-1', { data: { hostId: 'db-1' } }))).toEqual({ id: 'db-1', state: 'removed' });
    expect(hostEventOf(e('vigil.v1.host.weird.db-1', { data: { hostId: 'db-1' } }))).toBeNull();
    expect(hostEventOf(e('vigil.v1.host.silent.db-1', {}))).toBeNull();
  });
});

describe('console fleet model - services', () => {
  it('fleet - a service badge says recovering, degraded (a check fails) or its state; a change of it redraws the tile', async () => {
    const { serviceWord } = await import('./fleet-model.js');
    expect(serviceWord({ name: 'web' })).toBeNull();
    expect(serviceWord({ name: 'web', state: 'running', checks: [{ name: 'http', status: 'passing' }] })).toBe('running');
    expect(serviceWord({ name: 'web', state: 'running', checks: [{ name: 'http', status: 'failing' }] })).toBe('degraded');
    expect(serviceWord({ name: 'web', state: 'failed', recovering: true })).toBe('recovering');
    expect(serviceWord({ name: 'web', state: 'failed' })).toBe('failed');
    const m = new FleetModel();
    const h = host('a', 'online');
    m.replace([{ ...h, summary: { services: [{ name: 'web', state: 'running' }] } }]);
    expect(m.upsert({ ...h, summary: { services: [{ name: 'web', state: 'running' }] } })).toBe(false);
    expect(m.upsert({ ...h, summary: { services: [{ name: 'web', state: 'failed' }] } })).toBe(true);
  });
});
