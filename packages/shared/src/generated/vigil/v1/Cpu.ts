// Original file: proto/vigil/v1/resources.proto


export interface Cpu {
  /**
   * Busy share of all cores since the previous sample, 0-100.
   */
  'usagePercent'?: (number | string);
  'load1'?: (number | string);
  'load5'?: (number | string);
  'load15'?: (number | string);
  'cores'?: (number);
}

export interface Cpu__Output {
  /**
   * Busy share of all cores since the previous sample, 0-100.
   */
  'usagePercent': (number);
  'load1': (number);
  'load5': (number);
  'load15': (number);
  'cores': (number);
}
