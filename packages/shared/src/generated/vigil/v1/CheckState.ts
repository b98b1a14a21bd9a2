// Original file: proto/vigil/v1/services.proto


export interface CheckState {
  'name'?: (string);
  /**
   * http | tcp | resources
   */
  'type'?: (string);
  /**
   * passing | failing | pending (not enough results yet to judge)
   */
  'status'?: (string);
  'consecutiveFailures'?: (number);
  'consecutiveSuccesses'?: (number);
  /**
   * Response time of the last http/tcp check, in ms.
   */
  'responseMs'?: (number | string);
  'detail'?: (string);
}

export interface CheckState__Output {
  'name': (string);
  /**
   * http | tcp | resources
   */
  'type': (string);
  /**
   * passing | failing | pending (not enough results yet to judge)
   */
  'status': (string);
  'consecutiveFailures': (number);
  'consecutiveSuccesses': (number);
  /**
   * Response time of the last http/tcp check, in ms.
   */
  'responseMs': (number);
  'detail': (string);
}
