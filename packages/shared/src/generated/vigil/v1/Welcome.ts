// Original file: proto/vigil/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Welcome {
  'coordinatorId'?: (string);
  /**
   * The interval the coordinator expects, in milliseconds; it equals the interval the
   * agent announced unless the coordinator enforces bounds on it.
   */
  'intervalMs'?: (number);
  /**
   * The last heartbeat sequence number it has stored for this host (0 if none).
   */
  'lastSeq'?: (number | string | Long);
  /**
   * Message kinds and features this coordinator understands; an agent sends a newer
   * message kind only when it is listed here.
   */
  'capabilities'?: (string)[];
  /**
   * The newest agent event (by event_seq) stored for this host in the epoch the Hello
   * named (Hello.event_epoch); 0 for an epoch it has not seen. The agent replays anything
   * after it from its journal.
   */
  'lastEventSeq'?: (number | string | Long);
  /**
   * The liveness period granted, in milliseconds: the agent sends Liveness this often.
   * 0 or absent (older coordinators, or an agent that asked for none): send none.
   */
  'livenessIntervalMs'?: (number);
}

export interface Welcome__Output {
  'coordinatorId': (string);
  /**
   * The interval the coordinator expects, in milliseconds; it equals the interval the
   * agent announced unless the coordinator enforces bounds on it.
   */
  'intervalMs': (number);
  /**
   * The last heartbeat sequence number it has stored for this host (0 if none).
   */
  'lastSeq': (number);
  /**
   * Message kinds and features this coordinator understands; an agent sends a newer
   * message kind only when it is listed here.
   */
  'capabilities': (string)[];
  /**
   * The newest agent event (by event_seq) stored for this host in the epoch the Hello
   * named (Hello.event_epoch); 0 for an epoch it has not seen. The agent replays anything
   * after it from its journal.
   */
  'lastEventSeq': (number);
  /**
   * The liveness period granted, in milliseconds: the agent sends Liveness this often.
   * 0 or absent (older coordinators, or an agent that asked for none): send none.
   */
  'livenessIntervalMs': (number);
}
