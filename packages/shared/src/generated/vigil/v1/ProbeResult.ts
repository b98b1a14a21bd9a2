// Original file: proto/vigil/v1/probes.proto


export interface ProbeResult {
  'requestId'?: (string);
  'kind'?: (string);
  'target'?: (string);
  'ok'?: (boolean);
  'durationMs'?: (number | string);
  'error'?: (string);
  /**
   * ping
   */
  'transmitted'?: (number);
  'received'?: (number);
  'lossPercent'?: (number | string);
  'rttAvgMs'?: (number | string);
  /**
   * ssh
   */
  'banner'?: (string);
  /**
   * dns
   */
  'addresses'?: (string)[];
  /**
   * http
   */
  'statusCode'?: (number);
  /**
   * The probe was not run: busy, rate_limited, invalid, skipped.
   */
  'refused'?: (string);
}

export interface ProbeResult__Output {
  'requestId': (string);
  'kind': (string);
  'target': (string);
  'ok': (boolean);
  'durationMs': (number);
  'error': (string);
  /**
   * ping
   */
  'transmitted': (number);
  'received': (number);
  'lossPercent': (number);
  'rttAvgMs': (number);
  /**
   * ssh
   */
  'banner': (string);
  /**
   * dns
   */
  'addresses': (string)[];
  /**
   * http
   */
  'statusCode': (number);
  /**
   * The probe was not run: busy, rate_limited, invalid, skipped.
   */
  'refused': (string);
}
