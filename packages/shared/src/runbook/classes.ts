import { z } from 'zod';

/**
 * Runbook section 2: the problem classes, their message, immediate actions and escalation
 * time, plus the classes Vigil adds (`partial_failure` from section 8, `agent_failure` for
 * a healthy host whose agent is gone, `observer_partition` for the coordinator's own link).
 */
export const PROBLEM_CLASSES = ['network_issue', 'server_hardware_issue', 'service_failure', 'partial_failure', 'agent_failure', 'observer_partition'] as const;
export type ProblemClass = (typeof PROBLEM_CLASSES)[number];

export const problemClassSchema = z.object({
  indicators: z.array(z.string().min(1)).min(1),
  message: z.string().min(1),
  immediateActions: z.array(z.string().min(1)).min(1),
  /** How long an incident of this class may stay unresolved at a level before it moves up, in ms. */
  escalationMs: z.number().int().positive(),
  /** Where this entry comes from: the runbook itself, or Vigil's reading of it. */
  origin: z.enum(['runbook', 'vigil']),
  /**
   * What an incident of this class is about: the host itself (its network, hardware or
   * agent), one of its services, or the coordinator's own view (the observer).
   */
  scope: z.enum(['host', 'service', 'observer']),
});

export type ProblemScope = ProblemClassInfo['scope'];

export type ProblemClassInfo = z.output<typeof problemClassSchema>;

const MIN = 60_000;

export const PROBLEM_CLASS_TABLE: Readonly<Record<ProblemClass, ProblemClassInfo>> = z.record(z.enum(PROBLEM_CLASSES), problemClassSchema).parse({
  network_issue: {
    indicators: ['ping_failure', 'dns_resolution_failure'],
    message: 'Network connectivity problem detected; check the network infrastructure.',
    immediateActions: ['Check cable connections', 'Check switch/router status', 'Check DNS server response', 'Review firewall rules'],
    escalationMs: 5 * MIN,
    origin: 'runbook',
    scope: 'host',
  },
  server_hardware_issue: {
    indicators: ['ssh_failure', 'ping_success'],
    message: 'Hardware or OS-level problem suspected.',
    immediateActions: ['Try the server console', 'Check power status', 'Check hardware error logs', 'Consider a reboot'],
    escalationMs: 10 * MIN,
    origin: 'runbook',
    scope: 'host',
  },
  service_failure: {
    indicators: ['ssh_success', 'service_inactive'],
    message: 'Service-level failure; try restarting the service.',
    immediateActions: ['Check service logs', 'Check process state', 'Check resource usage', 'Restart the service'],
    escalationMs: 3 * MIN,
    origin: 'runbook',
    scope: 'service',
  },
  partial_failure: {
    indicators: ['service_running', 'high_error_rate'],
    message: 'Service is running but failing part of its requests; application-level diagnosis needed.',
    immediateActions: ['Analyse application logs now', 'Check recent deployments and config changes', 'Check dependencies (database, cache, upstreams)', 'Prepare to switch to standby'],
    escalationMs: 3 * MIN,
    origin: 'vigil',
    scope: 'service',
  },
  agent_failure: {
    indicators: ['ping_success', 'ssh_success', 'agent_disconnected'],
    message: 'The host answers but its Vigil agent is gone: monitoring has a blind spot on this host.',
    immediateActions: ['Check the vigil-agent process and its logs on the host', 'Restart vigil-agent', 'Check the agent certificate and the path to the coordinator'],
    escalationMs: 10 * MIN,
    origin: 'vigil',
    scope: 'host',
  },
  observer_partition: {
    indicators: ['many_hosts_silent_at_once'],
    message: 'Many hosts fell silent at once: the coordinator’s own connectivity is the likely fault, not the hosts.',
    immediateActions: ['Check the coordinator host’s network interfaces and routes', 'Check the switch/uplink of the coordinator', 'Do not act on individual hosts until the coordinator’s view is restored'],
    escalationMs: 5 * MIN,
    origin: 'vigil',
    scope: 'observer',
  },
});

/** The classes whose incidents are about `scope`, in PROBLEM_CLASSES order. */
export function classesOfScope(scope: ProblemScope): readonly ProblemClass[] {
  return PROBLEM_CLASSES.filter((c) => PROBLEM_CLASS_TABLE[c].scope === scope);
}
