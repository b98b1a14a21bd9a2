// Original file: proto/vigil/v1/agent.proto


export interface LivenessGrant {
  /**
   * The period from now on, in milliseconds; 0: send no more Liveness (the heartbeats
   * alone tell the coordinator the agent is there).
   */
  'livenessIntervalMs'?: (number);
}

export interface LivenessGrant__Output {
  /**
   * The period from now on, in milliseconds; 0: send no more Liveness (the heartbeats
   * alone tell the coordinator the agent is there).
   */
  'livenessIntervalMs': (number);
}
