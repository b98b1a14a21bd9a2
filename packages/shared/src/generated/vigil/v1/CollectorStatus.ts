// Original file: proto/vigil/v1/resources.proto


/**
 * Whether one collector produced its part of the sample, and how long it took.
 */
export interface CollectorStatus {
  'name'?: (string);
  'ok'?: (boolean);
  'durationMs'?: (number | string);
  'error'?: (string);
}

/**
 * Whether one collector produced its part of the sample, and how long it took.
 */
export interface CollectorStatus__Output {
  'name': (string);
  'ok': (boolean);
  'durationMs': (number);
  'error': (string);
}
