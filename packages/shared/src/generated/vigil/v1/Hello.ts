// Original file: proto/vigil/v1/agent.proto

import type { OsInfo as _vigil_v1_OsInfo, OsInfo__Output as _vigil_v1_OsInfo__Output } from '../../vigil/v1/OsInfo.js';
import type { DeclaredService as _vigil_v1_DeclaredService, DeclaredService__Output as _vigil_v1_DeclaredService__Output } from '../../vigil/v1/DeclaredService.js';
import type { Long } from '@grpc/proto-loader';

export interface Hello {
  'hostId'?: (string);
  'agentVersion'?: (string);
  'hostname'?: (string);
  'os'?: (_vigil_v1_OsInfo | null);
  'services'?: (_vigil_v1_DeclaredService)[];
  'capabilities'?: (string)[];
  /**
   * The heartbeat interval the agent will keep, in milliseconds.
   */
  'intervalMs'?: (number);
  /**
   * Free labels from the agent's config, e.g. zone=eu-1.
   */
  'labels'?: ({[key: string]: string});
  /**
   * Agent process start time, Unix milliseconds: tells a restart from a reconnect.
   */
  'startedAtMs'?: (number | string | Long);
  /**
   * Where the coordinator's SSH step looks for this host's SSH server (the agent's
   * `sshPort` setting): absent = the coordinator's fleet default; 0 = this host serves no
   * SSH to judge (the step is skipped and other evidence decides); else the TCP port.
   */
  'sshPort'?: (number);
  /**
   * The identity of the agent's event journal: a random id made when the journal is
   * created (a lost or wiped data dir makes a new one). Event sequence numbers count
   * within it, so the coordinator answers Welcome.last_event_seq for this epoch only and
   * a new journal's seq 1.. is a new sequence, not a replay. Empty from agents older than
   * the field: their events form the epoch "".
   */
  'eventEpoch'?: (string);
  /**
   * The liveness period the agent asks for, in milliseconds: it sends a Liveness message
   * this often, so a frozen host or a cut link is noticed within about two of them, while
   * resource samples stay at interval_ms. 0 or absent (older agents): no liveness; the
   * heartbeats alone tell the coordinator the host is alive.
   */
  'livenessIntervalMs'?: (number);
  /**
   * This agent process's stream attempt, counted from 1 (0 or absent: older agents). Tells
   * the coordinator which of two Hellos from one agent process (same started_at_ms) is the
   * newer: a Hello that sat in a queue while its agent gave up on it and connected again
   * must not take the host from the stream that replaced it.
   */
  'attempt'?: (number);
  '_sshPort'?: "sshPort";
}

export interface Hello__Output {
  'hostId': (string);
  'agentVersion': (string);
  'hostname': (string);
  'os': (_vigil_v1_OsInfo__Output | null);
  'services': (_vigil_v1_DeclaredService__Output)[];
  'capabilities': (string)[];
  /**
   * The heartbeat interval the agent will keep, in milliseconds.
   */
  'intervalMs': (number);
  /**
   * Free labels from the agent's config, e.g. zone=eu-1.
   */
  'labels': ({[key: string]: string});
  /**
   * Agent process start time, Unix milliseconds: tells a restart from a reconnect.
   */
  'startedAtMs': (number);
  /**
   * Where the coordinator's SSH step looks for this host's SSH server (the agent's
   * `sshPort` setting): absent = the coordinator's fleet default; 0 = this host serves no
   * SSH to judge (the step is skipped and other evidence decides); else the TCP port.
   */
  'sshPort'?: (number);
  /**
   * The identity of the agent's event journal: a random id made when the journal is
   * created (a lost or wiped data dir makes a new one). Event sequence numbers count
   * within it, so the coordinator answers Welcome.last_event_seq for this epoch only and
   * a new journal's seq 1.. is a new sequence, not a replay. Empty from agents older than
   * the field: their events form the epoch "".
   */
  'eventEpoch': (string);
  /**
   * The liveness period the agent asks for, in milliseconds: it sends a Liveness message
   * this often, so a frozen host or a cut link is noticed within about two of them, while
   * resource samples stay at interval_ms. 0 or absent (older agents): no liveness; the
   * heartbeats alone tell the coordinator the host is alive.
   */
  'livenessIntervalMs': (number);
  /**
   * This agent process's stream attempt, counted from 1 (0 or absent: older agents). Tells
   * the coordinator which of two Hellos from one agent process (same started_at_ms) is the
   * newer: a Hello that sat in a queue while its agent gave up on it and connected again
   * must not take the host from the stream that replaced it.
   */
  'attempt': (number);
  '_sshPort'?: "sshPort";
}
