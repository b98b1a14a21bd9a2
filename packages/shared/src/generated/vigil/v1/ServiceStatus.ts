// Original file: proto/vigil/v1/services.proto

import type { CheckState as _vigil_v1_CheckState, CheckState__Output as _vigil_v1_CheckState__Output } from '../../vigil/v1/CheckState.js';
import type { ErrorRate as _vigil_v1_ErrorRate, ErrorRate__Output as _vigil_v1_ErrorRate__Output } from '../../vigil/v1/ErrorRate.js';
import type { Long } from '@grpc/proto-loader';

export interface ServiceStatus {
  'name'?: (string);
  /**
   * running | inactive | failed
   */
  'state'?: (string);
  'pids'?: (number)[];
  'checks'?: (_vigil_v1_CheckState)[];
  /**
   * Present when the service declares an access log.
   */
  'errorRate'?: (_vigil_v1_ErrorRate | null);
  'recovering'?: (boolean);
  'budgetUsed'?: (number);
  'budgetMax'?: (number);
  /**
   * The restart budget is spent: the agent has stopped acting on this service.
   */
  'exhausted'?: (boolean);
  'manager'?: (string);
  /**
   * Unix ms of the last state change.
   */
  'sinceMs'?: (number | string | Long);
  /**
   * Log lines of this service matched against the root-cause patterns, and lines not
   * scanned because a source exceeded its per-second budget (a flood), since agent start.
   */
  'logLinesScanned'?: (number | string | Long);
  'logLinesSkipped'?: (number | string | Long);
  /**
   * Resident memory of the service's own processes, and that as a share (0-100) of its
   * declared memory limit, or of the host's memory when it declares none.
   */
  'memoryBytes'?: (number | string | Long);
  'memoryPercent'?: (number | string);
}

export interface ServiceStatus__Output {
  'name': (string);
  /**
   * running | inactive | failed
   */
  'state': (string);
  'pids': (number)[];
  'checks': (_vigil_v1_CheckState__Output)[];
  /**
   * Present when the service declares an access log.
   */
  'errorRate': (_vigil_v1_ErrorRate__Output | null);
  'recovering': (boolean);
  'budgetUsed': (number);
  'budgetMax': (number);
  /**
   * The restart budget is spent: the agent has stopped acting on this service.
   */
  'exhausted': (boolean);
  'manager': (string);
  /**
   * Unix ms of the last state change.
   */
  'sinceMs': (number);
  /**
   * Log lines of this service matched against the root-cause patterns, and lines not
   * scanned because a source exceeded its per-second budget (a flood), since agent start.
   */
  'logLinesScanned': (number);
  'logLinesSkipped': (number);
  /**
   * Resident memory of the service's own processes, and that as a share (0-100) of its
   * declared memory limit, or of the host's memory when it declares none.
   */
  'memoryBytes': (number);
  'memoryPercent': (number);
}
