import type { ValidAgentEvent, ValidLogFinding, ValidResourceSample, ValidServiceStatus } from '@vigil/shared';

/**
 * A host's state as the coordinator sees it:
 * - `online`: heartbeats arrive;
 * - `suspect`: its stream broke without Goodbye; it has a short grace to reconnect;
 * - `silent`: no heartbeat within the detector's bound, or no reconnect within the grace;
 * - `left`: the agent said Goodbye (a planned stop, never an outage).
 */
export type HostState = 'online' | 'suspect' | 'silent' | 'left';

export const HOST_STATES: readonly HostState[] = ['online', 'suspect', 'silent', 'left'];

export interface HostRecord {
  id: string;
  state: HostState;
  stateSince: number;
  hostname: string;
  agentVersion: string;
  os: { platform: string; distro: string; release: string; kernel: string; arch: string } | null;
  labels: Record<string, string>;
  /** `ports`: TCP ports the service serves to other hosts, probed when the agent is gone. */
  services: { name: string; manager: string; recoveryEnabled: boolean; ports?: number[] }[];
  /** The agent's `sshPort` setting from Hello; absent when the agent left it to the coordinator. */
  sshPort?: number | 'none';
  capabilities: string[];
  intervalMs: number;
  /** Where probes reach the host: its `address` label, else the address its stream came from. */
  address: string | null;
  firstSeen: number;
  lastSeen: number | null;
  lastSeq: number;
  agentStartedAt: number | null;
  latestSample: ValidResourceSample | null;
  sampleAt: number | null;
  /** Watched services as of the latest heartbeat. */
  serviceStatus: ValidServiceStatus[];
}

export interface Transition {
  hostId: string;
  from: HostState | null;
  to: HostState;
  reason: string;
  at: number;
}

/** What the registry tells its subscribers (incidents, predictions) as it happens. */
export type RegistryEvent =
  | { type: 'transition'; transition: Transition; host: HostRecord }
  | { type: 'agent_event'; hostId: string; event: ValidAgentEvent }
  | { type: 'findings'; hostId: string; findings: ValidLogFinding[] }
  | { type: 'heartbeat'; hostId: string; host: HostRecord }
  /** `attempt`: the Hello's stream attempt within its agent process (0 where the agent does not number them). */
  | { type: 'hello'; host: HostRecord; attempt: number }
  | { type: 'removed'; host: HostRecord; by: string };

/**
 * What the registry answers a Hello. `refused`: another agent already holds a live stream
 * for this host id (see HostRegistry.hello for the rule); the stream is ended with
 * ALREADY_EXISTS and `message`, and nothing about the host changes.
 */
export type HelloOutcome =
  | { type: 'accepted'; lastSeq: number; lastEventSeq: number; replaced: number | undefined }
  | { type: 'refused'; holder: number; message: string }
  /** An older attempt of the agent process that holds the stream (Hello.attempt): it gave up on this one already. */
  | { type: 'stale'; message: string };
