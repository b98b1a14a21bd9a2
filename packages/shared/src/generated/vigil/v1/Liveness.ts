// Original file: proto/vigil/v1/agent.proto


export interface Liveness {
  /**
   * How long the agent's own event loop was stalled (GC, blocking work, or the whole host
   * frozen) just before this message, in milliseconds; 0 when it ran on time. When the
   * coordinator declared the host silent meanwhile, the transition back names the stall.
   */
  'agentStallMs'?: (number);
}

export interface Liveness__Output {
  /**
   * How long the agent's own event loop was stalled (GC, blocking work, or the whole host
   * frozen) just before this message, in milliseconds; 0 when it ran on time. When the
   * coordinator declared the host silent meanwhile, the transition back names the stall.
   */
  'agentStallMs': (number);
}
