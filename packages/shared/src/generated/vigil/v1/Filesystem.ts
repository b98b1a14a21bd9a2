// Original file: proto/vigil/v1/resources.proto

import type { Long } from '@grpc/proto-loader';

export interface Filesystem {
  'mount'?: (string);
  'device'?: (string);
  'fsType'?: (string);
  'sizeBytes'?: (number | string | Long);
  'usedBytes'?: (number | string | Long);
  'availableBytes'?: (number | string | Long);
  /**
   * Zero when the filesystem has no fixed inode table (btrfs, some network fs).
   */
  'inodesTotal'?: (number | string | Long);
  'inodesUsed'?: (number | string | Long);
}

export interface Filesystem__Output {
  'mount': (string);
  'device': (string);
  'fsType': (string);
  'sizeBytes': (number);
  'usedBytes': (number);
  'availableBytes': (number);
  /**
   * Zero when the filesystem has no fixed inode table (btrfs, some network fs).
   */
  'inodesTotal': (number);
  'inodesUsed': (number);
}
