// Original file: proto/vigil/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface EventAck {
  /**
   * In the epoch the stream's Hello named.
   */
  'eventSeq'?: (number | string | Long);
}

export interface EventAck__Output {
  /**
   * In the epoch the stream's Hello named.
   */
  'eventSeq': (number);
}
