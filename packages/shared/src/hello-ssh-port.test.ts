import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { LOADER_OPTIONS } from './proto.js';
import { helloSchema } from './schemas/messages.js';

/*
 * Hello.ssh_port is a proto3 `optional`: "not sent" (the coordinator's fleet default) must
 * stay apart from 0 ("no SSH to judge") across the wire, and old agents send neither.
 */
const connect = (protoLoader.loadSync('vigil/v1/agent.proto', LOADER_OPTIONS)['vigil.v1.AgentService'] as protoLoader.ServiceDefinition)['Connect']!;
const roundTrip = (hello: Record<string, unknown>) =>
  (connect.requestDeserialize(connect.requestSerialize({ hello: { hostId: 'web-1', intervalMs: 1000, ...hello } })) as { hello: Record<string, unknown> }).hello;

describe('contract - Hello.ssh_port and DeclaredService.ports', () => {
  it('absent, 0 and a port each survive the wire and validation as themselves', () => {
    expect(helloSchema.parse(roundTrip({})).sshPort).toBeUndefined();
    expect(helloSchema.parse(roundTrip({ sshPort: 0 })).sshPort).toBe(0);
    expect(helloSchema.parse(roundTrip({ sshPort: 2222 })).sshPort).toBe(2222);
  });
  it('service ports travel with their service; a service without any has none', () => {
    const hello = helloSchema.parse(roundTrip({ services: [{ name: 'web', manager: 'process', recoveryEnabled: true, ports: [80, 443] }, { name: 'db', manager: 'systemd' }] }));
    expect(hello.services).toEqual([
      { name: 'web', manager: 'process', recoveryEnabled: true, ports: [80, 443] },
      { name: 'db', manager: 'systemd', recoveryEnabled: false, ports: [] },
    ]);
  });
  it('a port beyond 65535 is refused with the field named', () => {
    const bad = helloSchema.safeParse(roundTrip({ sshPort: 70_000 }));
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['sshPort'], message: 'must be a TCP port (1-65535), or 0 for none' });
  });
});
