import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { helloSchema, type ValidHello } from '@vigil/shared';
import type { IncidentManager } from '../incidents/incident-manager.js';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { hostDetail, hostList } from './schemas.js';

/**
 * The hosts API shows each host's SSH setting as the diagnosis uses it (port, or none, and
 * which setting named it) and the ports its services declare, from a real registry fed
 * Hellos as they arrive over the wire (validated by the contract's schema).
 */

let fx: ApiFixture;
let app: FastifyInstance;
/** This coordinator's fleet default, deliberately not 22, so "fleet" is told apart from a hard-coded value. */
const FLEET_SSH_PORT = 2200;

const hello = (hostId: string, over: Partial<ValidHello> = {}): ValidHello =>
  helloSchema.parse({ hostId, agentVersion: '0.1.0', hostname: hostId, os: null, services: [], capabilities: [], intervalMs: 5000, labels: {}, startedAtMs: 1, ...over });

beforeAll(async () => {
  fx = openApiFixture({ name: 'vigil-hosts-ssh-api', diagnosis: { sshPort: FLEET_SSH_PORT } });
  let session = 1;
  const join_ = (h: ValidHello) => fx.registry.hello(h, 5000, session++);
  join_(hello('agent-port', { sshPort: 2222, labels: { ssh_port: 'none' } }));
  join_(hello('agent-none', { sshPort: 0 }));
  join_(hello('label-port', { labels: { ssh_port: '2022' } }));
  join_(hello('label-bad', { labels: { ssh_port: 'twenty-two' } }));
  join_(
    hello('fleet', {
      services: [
        { name: 'web', manager: 'process', recoveryEnabled: true, ports: [8080, 8443] },
        { name: 'worker', manager: 'systemd', recoveryEnabled: false },
      ],
    }),
  );

  const incidents = { store: { activeForHost: () => [] } } as unknown as IncidentManager;
  app = await fx.build({ incidents });
});

afterAll(async () => {
  await fx.close();
});

async function list() {
  const res = await app.inject({ method: 'GET', url: '/v1/hosts' });
  expect(res.statusCode, res.body).toBe(200);
  return Object.fromEntries(hostList.parse(res.json()).hosts.map((h) => [h.id, h]));
}

describe('http api - hosts show their SSH setting and service ports', () => {
  it('ssh - the agent’s port wins over the label; 0 in Hello is none; then the ssh_port label; then the fleet default', async () => {
    const hosts = await list();
    expect(hosts['agent-port']!.ssh).toEqual({ port: 2222, from: 'agent', agentSetting: 2222, problem: null });
    expect(hosts['agent-none']!.ssh).toEqual({ port: null, from: 'agent', agentSetting: 'none', problem: null });
    expect(hosts['label-port']!.ssh).toEqual({ port: 2022, from: 'label', agentSetting: null, problem: null });
    expect(hosts['fleet']!.ssh).toEqual({ port: FLEET_SSH_PORT, from: 'fleet', agentSetting: null, problem: null });
  });

  it('ssh - an unreadable ssh_port label falls back to the fleet default and says so', async () => {
    const { ssh } = (await list())['label-bad']!;
    expect(ssh).toMatchObject({ port: FLEET_SSH_PORT, from: 'fleet', agentSetting: null });
    expect(ssh.problem).toBe('label ssh_port="twenty-two" is neither a port (1-65535) nor "none"; the fleet default was used');
  });

  it('services - declared ports are listed; a service that declares none has an empty list', async () => {
    expect((await list())['fleet']!.services).toEqual([
      { name: 'web', manager: 'process', recoveryEnabled: true, ports: [8080, 8443] },
      { name: 'worker', manager: 'systemd', recoveryEnabled: false, ports: [] },
    ]);
  });

  it('detail - GET /v1/hosts/{id} shows the same ssh and ports', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/hosts/fleet' });
    expect(res.statusCode, res.body).toBe(200);
    const { host } = hostDetail.parse(res.json());
    expect(host.ssh).toEqual({ port: FLEET_SSH_PORT, from: 'fleet', agentSetting: null, problem: null });
    expect(host.services.map((s) => [s.name, s.ports])).toEqual([
      ['web', [8080, 8443]],
      ['worker', []],
    ]);
    const none = hostDetail.parse((await app.inject({ method: 'GET', url: '/v1/hosts/agent-none' })).json());
    expect(none.host.ssh).toMatchObject({ port: null, agentSetting: 'none' });
  });

  it('openapi - /openapi.json describes ssh and service ports for the list and the detail', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const [path, pick] of [
      ['/v1/hosts', (s: any) => s.properties.hosts.items],
      ['/v1/hosts/{id}', (s: any) => s.properties.host],
    ] as const) {
      const host = pick(doc.paths[path].get.responses['200'].content['application/json'].schema);
      expect(host.required, path).toEqual(expect.arrayContaining(['ssh', 'services']));
      expect(Object.keys(host.properties.ssh.properties).sort(), path).toEqual(['agentSetting', 'from', 'port', 'problem']);
      expect(host.properties.ssh.properties.from.enum, path).toEqual(['agent', 'label', 'fleet']);
      expect(host.properties.services.items.properties.ports, path).toMatchObject({ type: 'array', items: { type: 'integer' } });
      expect(host.properties.services.items.required, path).toContain('ports');
    }
  });
});
