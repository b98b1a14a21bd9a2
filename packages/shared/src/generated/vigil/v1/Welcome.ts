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
  /**
   * Where and how to send liveness as UDP datagrams instead of stream messages (the
   * datagram layout is in docs/contract.md). Given only to agents whose Hello lists the
   * "liveness_datagram" capability, by coordinators that listen for them; port 0 or
   * absent: none. The agent sends each liveness to this UDP port of the address it dialed,
   * keyed with `liveness_datagram_key` (an HMAC key for this stream only) and naming
   * `liveness_datagram_slot`; it keeps sending the stream's Liveness messages too until a
   * LivenessGrant says the datagrams are heard.
   */
  'livenessDatagramPort'?: (number);
  'livenessDatagramKey'?: (Buffer | Uint8Array | string);
  'livenessDatagramSlot'?: (number);
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
  /**
   * Where and how to send liveness as UDP datagrams instead of stream messages (the
   * datagram layout is in docs/contract.md). Given only to agents whose Hello lists the
   * "liveness_datagram" capability, by coordinators that listen for them; port 0 or
   * absent: none. The agent sends each liveness to this UDP port of the address it dialed,
   * keyed with `liveness_datagram_key` (an HMAC key for this stream only) and naming
   * `liveness_datagram_slot`; it keeps sending the stream's Liveness messages too until a
   * LivenessGrant says the datagrams are heard.
   */
  'livenessDatagramPort': (number);
  'livenessDatagramKey': (Buffer);
  'livenessDatagramSlot': (number);
}
