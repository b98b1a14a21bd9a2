// Original file: proto/vigil/v1/agent.proto

import type { Welcome as _vigil_v1_Welcome, Welcome__Output as _vigil_v1_Welcome__Output } from '../../vigil/v1/Welcome.js';
import type { Ack as _vigil_v1_Ack, Ack__Output as _vigil_v1_Ack__Output } from '../../vigil/v1/Ack.js';

/**
 * Everything the coordinator sends on a stream.
 */
export interface CoordinatorMessage {
  'welcome'?: (_vigil_v1_Welcome | null);
  'ack'?: (_vigil_v1_Ack | null);
  'body'?: "welcome"|"ack";
}

/**
 * Everything the coordinator sends on a stream.
 */
export interface CoordinatorMessage__Output {
  'welcome'?: (_vigil_v1_Welcome__Output | null);
  'ack'?: (_vigil_v1_Ack__Output | null);
  'body'?: "welcome"|"ack";
}
