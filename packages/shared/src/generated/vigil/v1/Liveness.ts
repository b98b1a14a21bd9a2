// Original file: proto/vigil/v1/agent.proto


export interface Liveness {
  /**
   * How long the agent's own event loop was stalled (GC, blocking work) just before this
   * message, in milliseconds; 0 when it ran on time. A stall the coordinator took for an
   * outage is forgiven when this says the agent, not the host, was stuck.
   */
  'agentStallMs'?: (number);
}

export interface Liveness__Output {
  /**
   * How long the agent's own event loop was stalled (GC, blocking work) just before this
   * message, in milliseconds; 0 when it ran on time. A stall the coordinator took for an
   * outage is forgiven when this says the agent, not the host, was stuck.
   */
  'agentStallMs': (number);
}
