// Original file: proto/vigil/v1/agent.proto


export interface EchoReply {
  /**
   * The nonce of the Echo answered.
   */
  'nonce'?: (number);
}

export interface EchoReply__Output {
  /**
   * The nonce of the Echo answered.
   */
  'nonce': (number);
}
