import type { AnyResponseRule } from '../context.js';
import { agentEventRule } from './agent-event.js';
import { hostDiagnosisRule } from './host-diagnosis.js';
import { hostSilenceRule } from './host-silence.js';
import { logFindingsRule } from './log-findings.js';
import { observerPartitionEvidenceRule, observerPartitionRule } from './observer-partition.js';
import { serviceStatusRule } from './service-status.js';
import { zoneOutageRule } from './zone-outage.js';

/**
 * The coordinator's reactions, one rule per file. For one event the rules run in this
 * order (the partition is judged before a silent host's diagnosis is raised).
 */
export const RESPONSE_RULES: readonly AnyResponseRule[] = [
  observerPartitionRule,
  hostSilenceRule,
  observerPartitionEvidenceRule,
  hostDiagnosisRule,
  zoneOutageRule,
  serviceStatusRule,
  agentEventRule,
  logFindingsRule,
];
