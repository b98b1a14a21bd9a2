// Original file: proto/vigil/v1/services.proto


export interface RequestResult {
  'requestId'?: (string);
  'accepted'?: (boolean);
  'error'?: (string);
  /**
   * Why it was refused, as a stable word (not_declared, recovery_disabled,
   * already_recovering, budget_exhausted, address_in_use, not_watching, unknown_action);
   * empty when accepted.
   */
  'refusal'?: (string);
  /**
   * A one-line account of what the agent did, when accepted (e.g. "4 used recoveries given back").
   */
  'detail'?: (string);
}

export interface RequestResult__Output {
  'requestId': (string);
  'accepted': (boolean);
  'error': (string);
  /**
   * Why it was refused, as a stable word (not_declared, recovery_disabled,
   * already_recovering, budget_exhausted, address_in_use, not_watching, unknown_action);
   * empty when accepted.
   */
  'refusal': (string);
  /**
   * A one-line account of what the agent did, when accepted (e.g. "4 used recoveries given back").
   */
  'detail': (string);
}
