// Original file: proto/vigil/v1/resources.proto

import type { Long } from '@grpc/proto-loader';

export interface NetworkInterface {
  'name'?: (string);
  'rxBytesPerSec'?: (number | string);
  'txBytesPerSec'?: (number | string);
  'rxErrors'?: (number | string | Long);
  'txErrors'?: (number | string | Long);
}

export interface NetworkInterface__Output {
  'name': (string);
  'rxBytesPerSec': (number);
  'txBytesPerSec': (number);
  'rxErrors': (number);
  'txErrors': (number);
}
