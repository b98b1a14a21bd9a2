// Original file: proto/vigil/v1/agent.proto


export interface DeclaredService {
  'name'?: (string);
  'manager'?: (string);
  'recoveryEnabled'?: (boolean);
  /**
   * TCP ports this service serves to other hosts (the service's `ports` setting). When the
   * agent is gone, the coordinator and peers connect to them: one answering shows the
   * host is up. At most 16.
   */
  'ports'?: (number)[];
}

export interface DeclaredService__Output {
  'name': (string);
  'manager': (string);
  'recoveryEnabled': (boolean);
  /**
   * TCP ports this service serves to other hosts (the service's `ports` setting). When the
   * agent is gone, the coordinator and peers connect to them: one answering shows the
   * host is up. At most 16.
   */
  'ports': (number)[];
}
