// Original file: proto/vigil/v1/resources.proto

import type { Cpu as _vigil_v1_Cpu, Cpu__Output as _vigil_v1_Cpu__Output } from '../../vigil/v1/Cpu.js';
import type { Memory as _vigil_v1_Memory, Memory__Output as _vigil_v1_Memory__Output } from '../../vigil/v1/Memory.js';
import type { Filesystem as _vigil_v1_Filesystem, Filesystem__Output as _vigil_v1_Filesystem__Output } from '../../vigil/v1/Filesystem.js';
import type { NetworkInterface as _vigil_v1_NetworkInterface, NetworkInterface__Output as _vigil_v1_NetworkInterface__Output } from '../../vigil/v1/NetworkInterface.js';
import type { Long } from '@grpc/proto-loader';

export interface ResourceSample {
  /**
   * Unix milliseconds when the sample was taken.
   */
  'takenAtMs'?: (number | string | Long);
  'cpu'?: (_vigil_v1_Cpu | null);
  'memory'?: (_vigil_v1_Memory | null);
  'filesystems'?: (_vigil_v1_Filesystem)[];
  'network'?: (_vigil_v1_NetworkInterface)[];
}

export interface ResourceSample__Output {
  /**
   * Unix milliseconds when the sample was taken.
   */
  'takenAtMs': (number);
  'cpu': (_vigil_v1_Cpu__Output | null);
  'memory': (_vigil_v1_Memory__Output | null);
  'filesystems': (_vigil_v1_Filesystem__Output)[];
  'network': (_vigil_v1_NetworkInterface__Output)[];
}
