// Original file: proto/vigil/v1/services.proto


/**
 * An operator's action on one declared service, forwarded by the coordinator. The agent
 * answers with a RequestResult and journals what it does with this request_id.
 */
export interface ServiceAction {
  'requestId'?: (string);
  'service'?: (string);
  /**
   * restart | reset_budget
   */
  'action'?: (string);
  /**
   * The API token's name that asked (for the agent's journal and log).
   */
  'requestedBy'?: (string);
  'reason'?: (string);
}

/**
 * An operator's action on one declared service, forwarded by the coordinator. The agent
 * answers with a RequestResult and journals what it does with this request_id.
 */
export interface ServiceAction__Output {
  'requestId': (string);
  'service': (string);
  /**
   * restart | reset_budget
   */
  'action': (string);
  /**
   * The API token's name that asked (for the agent's journal and log).
   */
  'requestedBy': (string);
  'reason': (string);
}
