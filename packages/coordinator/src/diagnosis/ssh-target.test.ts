import { describe, expect, it } from 'vitest';
import { parseCli } from '../cli.js';
import { coordinatorConfigSchema } from '../config.js';
import { parseSshPort, sshTarget } from './ssh-target.js';

describe('ssh target - which port the SSH step probes', () => {
  it('parses a port or none; anything else is not a setting', () => {
    expect(parseSshPort('22')).toBe(22);
    expect(parseSshPort(' 2222 ')).toBe(2222);
    expect(parseSshPort('NONE')).toBe('none');
    for (const bad of ['0', '65536', '-1', '22a', '', 'ssh']) expect(parseSshPort(bad), bad).toBeUndefined();
  });
  it("the agent's setting wins, then the ssh_port label, then the fleet default", () => {
    expect(sshTarget({ sshPort: 2222, labels: { ssh_port: '2200' } }, 22)).toEqual({ port: 2222, from: 'agent' });
    expect(sshTarget({ sshPort: 'none', labels: {} }, 22)).toEqual({ port: null, from: 'agent' });
    expect(sshTarget({ labels: { ssh_port: 'none' } }, 22)).toEqual({ port: null, from: 'label' });
    expect(sshTarget({ labels: {} }, 'none')).toEqual({ port: null, from: 'fleet' });
    expect(sshTarget({ labels: { ssh_port: '99999' } }, 22)).toEqual({ port: 22, from: 'fleet', problem: 'label ssh_port="99999" is neither a port (1-65535) nor "none"; the fleet default was used' });
  });
});

describe('ssh target - the coordinator option', () => {
  it('defaults to 22, takes a port or none from a file or the command line, and names a bad value', () => {
    expect(coordinatorConfigSchema.parse({}).sshPort).toBe(22);
    expect(coordinatorConfigSchema.parse({ sshPort: 2222 }).sshPort).toBe(2222);
    expect(coordinatorConfigSchema.parse({ sshPort: '2222' }).sshPort).toBe(2222);
    expect(coordinatorConfigSchema.parse({ sshPort: 'none' }).sshPort).toBe('none');
    const bad = coordinatorConfigSchema.safeParse({ sshPort: 'twenty-two' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['sshPort: "twenty-two" is neither a TCP port (1-65535) nor "none"']);
  });
  it('--ssh-port on the command line', () => {
    expect(parseCli(['--ssh-port', 'none'])).toMatchObject({ kind: 'run', config: { sshPort: 'none' } });
    expect(parseCli(['--ssh-port', '2222'])).toMatchObject({ kind: 'run', config: { sshPort: 2222 } });
    expect(() => parseCli(['--ssh-port', '0'])).toThrow(/sshPort.*"0" is neither a TCP port \(1-65535\) nor "none"/);
  });
});
