// Original file: proto/vigil/v1/agent.proto

import type { Hello as _vigil_v1_Hello, Hello__Output as _vigil_v1_Hello__Output } from '../../vigil/v1/Hello.js';
import type { Heartbeat as _vigil_v1_Heartbeat, Heartbeat__Output as _vigil_v1_Heartbeat__Output } from '../../vigil/v1/Heartbeat.js';
import type { Goodbye as _vigil_v1_Goodbye, Goodbye__Output as _vigil_v1_Goodbye__Output } from '../../vigil/v1/Goodbye.js';
import type { AgentEvent as _vigil_v1_AgentEvent, AgentEvent__Output as _vigil_v1_AgentEvent__Output } from '../../vigil/v1/AgentEvent.js';
import type { ProbeResult as _vigil_v1_ProbeResult, ProbeResult__Output as _vigil_v1_ProbeResult__Output } from '../../vigil/v1/ProbeResult.js';
import type { RequestResult as _vigil_v1_RequestResult, RequestResult__Output as _vigil_v1_RequestResult__Output } from '../../vigil/v1/RequestResult.js';
import type { Liveness as _vigil_v1_Liveness, Liveness__Output as _vigil_v1_Liveness__Output } from '../../vigil/v1/Liveness.js';
import type { EchoReply as _vigil_v1_EchoReply, EchoReply__Output as _vigil_v1_EchoReply__Output } from '../../vigil/v1/EchoReply.js';

/**
 * Everything the agent sends on its stream.
 */
export interface AgentMessage {
  'hello'?: (_vigil_v1_Hello | null);
  'heartbeat'?: (_vigil_v1_Heartbeat | null);
  'goodbye'?: (_vigil_v1_Goodbye | null);
  /**
   * A service or recovery event, journaled by the agent until acked by event_seq.
   */
  'event'?: (_vigil_v1_AgentEvent | null);
  /**
   * The answer to a ProbeRequest.
   */
  'probeResult'?: (_vigil_v1_ProbeResult | null);
  /**
   * The answer to a RecoverRequest (accepted or refused, and why).
   */
  'requestResult'?: (_vigil_v1_RequestResult | null);
  /**
   * "Still here", at the liveness period the Welcome granted (1 s by default), apart from
   * the heartbeat's samples. Never stored; it only feeds the coordinator's silence
   * detector. Sent only to coordinators whose Welcome grants a liveness period.
   */
  'liveness'?: (_vigil_v1_Liveness | null);
  /**
   * 8-15 are kept for frequent agent messages that later versions add.
   * The answer to an Echo, sent as soon as the Echo is read.
   */
  'echoReply'?: (_vigil_v1_EchoReply | null);
  'body'?: "hello"|"heartbeat"|"goodbye"|"event"|"probeResult"|"requestResult"|"liveness"|"echoReply";
}

/**
 * Everything the agent sends on its stream.
 */
export interface AgentMessage__Output {
  'hello'?: (_vigil_v1_Hello__Output | null);
  'heartbeat'?: (_vigil_v1_Heartbeat__Output | null);
  'goodbye'?: (_vigil_v1_Goodbye__Output | null);
  /**
   * A service or recovery event, journaled by the agent until acked by event_seq.
   */
  'event'?: (_vigil_v1_AgentEvent__Output | null);
  /**
   * The answer to a ProbeRequest.
   */
  'probeResult'?: (_vigil_v1_ProbeResult__Output | null);
  /**
   * The answer to a RecoverRequest (accepted or refused, and why).
   */
  'requestResult'?: (_vigil_v1_RequestResult__Output | null);
  /**
   * "Still here", at the liveness period the Welcome granted (1 s by default), apart from
   * the heartbeat's samples. Never stored; it only feeds the coordinator's silence
   * detector. Sent only to coordinators whose Welcome grants a liveness period.
   */
  'liveness'?: (_vigil_v1_Liveness__Output | null);
  /**
   * 8-15 are kept for frequent agent messages that later versions add.
   * The answer to an Echo, sent as soon as the Echo is read.
   */
  'echoReply'?: (_vigil_v1_EchoReply__Output | null);
  'body'?: "hello"|"heartbeat"|"goodbye"|"event"|"probeResult"|"requestResult"|"liveness"|"echoReply";
}
