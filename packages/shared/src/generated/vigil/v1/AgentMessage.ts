// Original file: proto/vigil/v1/agent.proto

import type { Hello as _vigil_v1_Hello, Hello__Output as _vigil_v1_Hello__Output } from '../../vigil/v1/Hello.js';
import type { Heartbeat as _vigil_v1_Heartbeat, Heartbeat__Output as _vigil_v1_Heartbeat__Output } from '../../vigil/v1/Heartbeat.js';
import type { Goodbye as _vigil_v1_Goodbye, Goodbye__Output as _vigil_v1_Goodbye__Output } from '../../vigil/v1/Goodbye.js';

/**
 * Everything the agent sends on its stream.
 */
export interface AgentMessage {
  'hello'?: (_vigil_v1_Hello | null);
  'heartbeat'?: (_vigil_v1_Heartbeat | null);
  'goodbye'?: (_vigil_v1_Goodbye | null);
  'body'?: "hello"|"heartbeat"|"goodbye";
}

/**
 * Everything the agent sends on its stream.
 */
export interface AgentMessage__Output {
  'hello'?: (_vigil_v1_Hello__Output | null);
  'heartbeat'?: (_vigil_v1_Heartbeat__Output | null);
  'goodbye'?: (_vigil_v1_Goodbye__Output | null);
  'body'?: "hello"|"heartbeat"|"goodbye";
}
