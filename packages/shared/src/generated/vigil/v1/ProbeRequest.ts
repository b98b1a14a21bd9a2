// Original file: proto/vigil/v1/probes.proto


export interface ProbeRequest {
  'requestId'?: (string);
  /**
   * ping | ssh | dns | tcp | http
   */
  'kind'?: (string);
  /**
   * Host name or IP address.
   */
  'target'?: (string);
  'port'?: (number);
  'url'?: (string);
  'timeoutMs'?: (number);
}

export interface ProbeRequest__Output {
  'requestId': (string);
  /**
   * ping | ssh | dns | tcp | http
   */
  'kind': (string);
  /**
   * Host name or IP address.
   */
  'target': (string);
  'port': (number);
  'url': (string);
  'timeoutMs': (number);
}
