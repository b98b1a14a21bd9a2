// Original file: proto/vigil/v1/agent.proto


export interface Echo {
  /**
   * Chosen by the coordinator; never 0.
   */
  'nonce'?: (number);
}

export interface Echo__Output {
  /**
   * Chosen by the coordinator; never 0.
   */
  'nonce': (number);
}
