// Original file: proto/vigil/v1/agent.proto


export interface LivenessGrant {
  /**
   * The period from now on, in milliseconds; 0: send no more Liveness (the heartbeats
   * alone tell the coordinator the agent is there).
   */
  'livenessIntervalMs'?: (number);
  /**
   * True: the coordinator hears this stream's liveness datagrams, so the agent sends its
   * liveness as datagrams only. False (or absent): it sends the stream's Liveness messages
   * (and its datagrams as well, if the Welcome gave it a datagram port), e.g. after
   * datagrams stopped arriving where the stream still works.
   */
  'datagramsHeard'?: (boolean);
}

export interface LivenessGrant__Output {
  /**
   * The period from now on, in milliseconds; 0: send no more Liveness (the heartbeats
   * alone tell the coordinator the agent is there).
   */
  'livenessIntervalMs': (number);
  /**
   * True: the coordinator hears this stream's liveness datagrams, so the agent sends its
   * liveness as datagrams only. False (or absent): it sends the stream's Liveness messages
   * (and its datagrams as well, if the Welcome gave it a datagram port), e.g. after
   * datagrams stopped arriving where the stream still works.
   */
  'datagramsHeard': (boolean);
}
