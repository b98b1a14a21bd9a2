import type { HostRecord } from '../registry/types.js';

/** A host's SSH port for the SSH step, or `none` when the host serves no SSH to judge. */
export type SshPortSetting = number | 'none';

export interface SshTarget {
  /** null: the host has no SSH to judge; the SSH step is skipped and other evidence decides. */
  port: number | null;
  /** Where the setting came from, in the order they are tried. */
  from: 'agent' | 'label' | 'fleet';
  /** Set when the `ssh_port` label could not be read and was ignored. */
  problem?: string;
}

/** `22`, `2222` or `none`, as the `ssh_port` label and the config options write it. */
export function parseSshPort(text: string): SshPortSetting | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'none') return 'none';
  if (!/^\d{1,5}$/.test(t)) return undefined;
  const n = Number(t);
  return n >= 1 && n <= 65_535 ? n : undefined;
}

/**
 * Where the SSH step looks for a host's SSH server: the agent's own `sshPort` setting
 * (sent in Hello), else the host's `ssh_port` label (kept for fleets that set it before
 * the setting existed), else the coordinator's fleet default (`sshPort`, 22).
 */
export function sshTarget(host: Pick<HostRecord, 'sshPort' | 'labels'>, fleetDefault: SshPortSetting): SshTarget {
  const toTarget = (s: SshPortSetting, from: SshTarget['from']): SshTarget => ({ port: s === 'none' ? null : s, from });
  if (host.sshPort !== undefined) return toTarget(host.sshPort, 'agent');
  const label = host.labels['ssh_port'];
  if (label !== undefined) {
    const parsed = parseSshPort(label);
    if (parsed !== undefined) return toTarget(parsed, 'label');
    return { ...toTarget(fleetDefault, 'fleet'), problem: `label ssh_port="${label}" is neither a port (1-65535) nor "none"; the fleet default was used` };
  }
  return toTarget(fleetDefault, 'fleet');
}
