// Original file: proto/vigil/v1/services.proto

import type { Long } from '@grpc/proto-loader';

export interface ErrorRate {
  'requests'?: (number | string | Long);
  'errors'?: (number | string | Long);
  /**
   * errors / requests, 0-1; 0 when there were no requests.
   */
  'rate'?: (number | string);
  'windowMs'?: (number | string | Long);
}

export interface ErrorRate__Output {
  'requests': (number);
  'errors': (number);
  /**
   * errors / requests, 0-1; 0 when there were no requests.
   */
  'rate': (number);
  'windowMs': (number);
}
