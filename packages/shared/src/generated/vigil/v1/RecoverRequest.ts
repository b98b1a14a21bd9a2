// Original file: proto/vigil/v1/services.proto


export interface RecoverRequest {
  'requestId'?: (string);
  'service'?: (string);
  'reason'?: (string);
}

export interface RecoverRequest__Output {
  'requestId': (string);
  'service': (string);
  'reason': (string);
}
