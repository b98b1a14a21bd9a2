// Original file: proto/vigil/v1/agent.proto

import type { Welcome as _vigil_v1_Welcome, Welcome__Output as _vigil_v1_Welcome__Output } from '../../vigil/v1/Welcome.js';
import type { Ack as _vigil_v1_Ack, Ack__Output as _vigil_v1_Ack__Output } from '../../vigil/v1/Ack.js';
import type { ProbeRequest as _vigil_v1_ProbeRequest, ProbeRequest__Output as _vigil_v1_ProbeRequest__Output } from '../../vigil/v1/ProbeRequest.js';
import type { RecoverRequest as _vigil_v1_RecoverRequest, RecoverRequest__Output as _vigil_v1_RecoverRequest__Output } from '../../vigil/v1/RecoverRequest.js';
import type { EventAck as _vigil_v1_EventAck, EventAck__Output as _vigil_v1_EventAck__Output } from '../../vigil/v1/EventAck.js';
import type { ServiceAction as _vigil_v1_ServiceAction, ServiceAction__Output as _vigil_v1_ServiceAction__Output } from '../../vigil/v1/ServiceAction.js';
import type { LivenessGrant as _vigil_v1_LivenessGrant, LivenessGrant__Output as _vigil_v1_LivenessGrant__Output } from '../../vigil/v1/LivenessGrant.js';
import type { Echo as _vigil_v1_Echo, Echo__Output as _vigil_v1_Echo__Output } from '../../vigil/v1/Echo.js';

/**
 * Everything the coordinator sends on a stream.
 */
export interface CoordinatorMessage {
  'welcome'?: (_vigil_v1_Welcome | null);
  'ack'?: (_vigil_v1_Ack | null);
  /**
   * Check another host from this agent's vantage point.
   */
  'probe'?: (_vigil_v1_ProbeRequest | null);
  /**
   * Run the recovery sequence of a service the agent's own config declares.
   */
  'recover'?: (_vigil_v1_RecoverRequest | null);
  /**
   * Events up to event_seq are stored; the agent may drop them from its journal.
   */
  'eventAck'?: (_vigil_v1_EventAck | null);
  /**
   * An operator's action on a declared service (restart, reset its restart budget).
   * Sent only to agents whose Hello lists the "service_actions" capability.
   */
  'serviceAction'?: (_vigil_v1_ServiceAction | null);
  /**
   * A new liveness period for this stream, replacing the one Welcome granted: the
   * coordinator spreads its liveness budget over a fleet that grew (or shrank) since.
   * Sent only to agents whose Hello lists the "liveness_grant" capability.
   */
  'livenessGrant'?: (_vigil_v1_LivenessGrant | null);
  /**
   * Answer at once with an EchoReply of the same nonce. The coordinator times the stream's
   * round trip with it, to know how soon a living agent is back after its connection
   * broke, where the connect it measured was slowed by a busy moment (a reconnect storm).
   * Sent only to agents whose Hello lists the "echo" capability.
   */
  'echo'?: (_vigil_v1_Echo | null);
  'body'?: "welcome"|"ack"|"probe"|"recover"|"eventAck"|"serviceAction"|"livenessGrant"|"echo";
}

/**
 * Everything the coordinator sends on a stream.
 */
export interface CoordinatorMessage__Output {
  'welcome'?: (_vigil_v1_Welcome__Output | null);
  'ack'?: (_vigil_v1_Ack__Output | null);
  /**
   * Check another host from this agent's vantage point.
   */
  'probe'?: (_vigil_v1_ProbeRequest__Output | null);
  /**
   * Run the recovery sequence of a service the agent's own config declares.
   */
  'recover'?: (_vigil_v1_RecoverRequest__Output | null);
  /**
   * Events up to event_seq are stored; the agent may drop them from its journal.
   */
  'eventAck'?: (_vigil_v1_EventAck__Output | null);
  /**
   * An operator's action on a declared service (restart, reset its restart budget).
   * Sent only to agents whose Hello lists the "service_actions" capability.
   */
  'serviceAction'?: (_vigil_v1_ServiceAction__Output | null);
  /**
   * A new liveness period for this stream, replacing the one Welcome granted: the
   * coordinator spreads its liveness budget over a fleet that grew (or shrank) since.
   * Sent only to agents whose Hello lists the "liveness_grant" capability.
   */
  'livenessGrant'?: (_vigil_v1_LivenessGrant__Output | null);
  /**
   * Answer at once with an EchoReply of the same nonce. The coordinator times the stream's
   * round trip with it, to know how soon a living agent is back after its connection
   * broke, where the connect it measured was slowed by a busy moment (a reconnect storm).
   * Sent only to agents whose Hello lists the "echo" capability.
   */
  'echo'?: (_vigil_v1_Echo__Output | null);
  'body'?: "welcome"|"ack"|"probe"|"recover"|"eventAck"|"serviceAction"|"livenessGrant"|"echo";
}
