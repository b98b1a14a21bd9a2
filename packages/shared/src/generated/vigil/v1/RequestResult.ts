// Original file: proto/vigil/v1/services.proto


export interface RequestResult {
  'requestId'?: (string);
  'accepted'?: (boolean);
  'error'?: (string);
}

export interface RequestResult__Output {
  'requestId': (string);
  'accepted': (boolean);
  'error': (string);
}
