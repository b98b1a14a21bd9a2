// Original file: proto/vigil/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface EventAck {
  'eventSeq'?: (number | string | Long);
}

export interface EventAck__Output {
  'eventSeq': (number);
}
