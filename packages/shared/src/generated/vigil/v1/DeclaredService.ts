// Original file: proto/vigil/v1/agent.proto


export interface DeclaredService {
  'name'?: (string);
  'manager'?: (string);
  'recoveryEnabled'?: (boolean);
}

export interface DeclaredService__Output {
  'name': (string);
  'manager': (string);
  'recoveryEnabled': (boolean);
}
