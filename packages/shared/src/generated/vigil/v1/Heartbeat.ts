// Original file: proto/vigil/v1/agent.proto

import type { ResourceSample as _vigil_v1_ResourceSample, ResourceSample__Output as _vigil_v1_ResourceSample__Output } from '../../vigil/v1/ResourceSample.js';
import type { CollectorStatus as _vigil_v1_CollectorStatus, CollectorStatus__Output as _vigil_v1_CollectorStatus__Output } from '../../vigil/v1/CollectorStatus.js';
import type { ServiceStatus as _vigil_v1_ServiceStatus, ServiceStatus__Output as _vigil_v1_ServiceStatus__Output } from '../../vigil/v1/ServiceStatus.js';
import type { LogFinding as _vigil_v1_LogFinding, LogFinding__Output as _vigil_v1_LogFinding__Output } from '../../vigil/v1/LogFinding.js';
import type { Long } from '@grpc/proto-loader';

export interface Heartbeat {
  'seq'?: (number | string | Long);
  'sentAtMs'?: (number | string | Long);
  'resources'?: (_vigil_v1_ResourceSample | null);
  'collectors'?: (_vigil_v1_CollectorStatus)[];
  /**
   * State of every watched service at the time of this heartbeat.
   */
  'services'?: (_vigil_v1_ServiceStatus)[];
  /**
   * Log root-cause findings new or changed since the previous heartbeat.
   */
  'findings'?: (_vigil_v1_LogFinding)[];
}

export interface Heartbeat__Output {
  'seq': (number);
  'sentAtMs': (number);
  'resources': (_vigil_v1_ResourceSample__Output | null);
  'collectors': (_vigil_v1_CollectorStatus__Output)[];
  /**
   * State of every watched service at the time of this heartbeat.
   */
  'services': (_vigil_v1_ServiceStatus__Output)[];
  /**
   * Log root-cause findings new or changed since the previous heartbeat.
   */
  'findings': (_vigil_v1_LogFinding__Output)[];
}
