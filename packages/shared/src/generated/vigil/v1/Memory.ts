// Original file: proto/vigil/v1/resources.proto

import type { Long } from '@grpc/proto-loader';

export interface Memory {
  'totalBytes'?: (number | string | Long);
  /**
   * Memory in use, not counting reclaimable cache and buffers.
   */
  'usedBytes'?: (number | string | Long);
  'availableBytes'?: (number | string | Long);
  'swapTotalBytes'?: (number | string | Long);
  'swapUsedBytes'?: (number | string | Long);
}

export interface Memory__Output {
  'totalBytes': (number);
  /**
   * Memory in use, not counting reclaimable cache and buffers.
   */
  'usedBytes': (number);
  'availableBytes': (number);
  'swapTotalBytes': (number);
  'swapUsedBytes': (number);
}
