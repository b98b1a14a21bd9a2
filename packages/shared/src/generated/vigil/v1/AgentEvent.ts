// Original file: proto/vigil/v1/services.proto

import type { Long } from '@grpc/proto-loader';

export interface AgentEvent {
  /**
   * Per journal (not per process): continues across agent restarts from the journal, and
   * counts within the journal's epoch. The event carries no epoch of its own: an agent
   * process keeps one journal for its life and sends events only on a stream whose Hello
   * named that journal's epoch (Hello.event_epoch), so the stream says it once.
   */
  'eventSeq'?: (number | string | Long);
  'atMs'?: (number | string | Long);
  'service'?: (string);
  /**
   * status_changed | check_failed | check_passed | recovery_started | step_started |
   * step_succeeded | step_failed | recovery_succeeded | recovery_failed |
   * recovery_exhausted | recovery_skipped | monitoring_started | monitoring_ended |
   * recurrence | budget_reset | service_adopted (the agent's RecoveryEvent union, the
   * whole list). A refused request is not an event: it is the RequestResult's refusal.
   * event_lost: the agent's journal had a damaged line where this event was; the event
   * itself is gone, this marker keeps the sequence whole and its detail says where.
   */
  'type'?: (string);
  /**
   * step_1_graceful_restart | step_2_force_restart | step_3_system_recovery, when a step.
   */
  'step'?: (string);
  'detail'?: (string);
  /**
   * Root cause found in the logs for this event, when there is one.
   */
  'cause'?: (string);
  /**
   * The coordinator request that started this, when one did.
   */
  'requestId'?: (string);
  /**
   * recovery_succeeded: from the recovery's start until the service ran and passed its
   * http/tcp probes again (time to serving), and until the step's verification, including
   * the post-restart watch, was done (time to verified). 0 on other events.
   */
  'timeToServingMs'?: (number | string | Long);
  'timeToVerifiedMs'?: (number | string | Long);
}

export interface AgentEvent__Output {
  /**
   * Per journal (not per process): continues across agent restarts from the journal, and
   * counts within the journal's epoch. The event carries no epoch of its own: an agent
   * process keeps one journal for its life and sends events only on a stream whose Hello
   * named that journal's epoch (Hello.event_epoch), so the stream says it once.
   */
  'eventSeq': (number);
  'atMs': (number);
  'service': (string);
  /**
   * status_changed | check_failed | check_passed | recovery_started | step_started |
   * step_succeeded | step_failed | recovery_succeeded | recovery_failed |
   * recovery_exhausted | recovery_skipped | monitoring_started | monitoring_ended |
   * recurrence | budget_reset | service_adopted (the agent's RecoveryEvent union, the
   * whole list). A refused request is not an event: it is the RequestResult's refusal.
   * event_lost: the agent's journal had a damaged line where this event was; the event
   * itself is gone, this marker keeps the sequence whole and its detail says where.
   */
  'type': (string);
  /**
   * step_1_graceful_restart | step_2_force_restart | step_3_system_recovery, when a step.
   */
  'step': (string);
  'detail': (string);
  /**
   * Root cause found in the logs for this event, when there is one.
   */
  'cause': (string);
  /**
   * The coordinator request that started this, when one did.
   */
  'requestId': (string);
  /**
   * recovery_succeeded: from the recovery's start until the service ran and passed its
   * http/tcp probes again (time to serving), and until the step's verification, including
   * the post-restart watch, was done (time to verified). 0 on other events.
   */
  'timeToServingMs': (number);
  'timeToVerifiedMs': (number);
}
