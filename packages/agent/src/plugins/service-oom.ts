import type { Logger } from '@vigil/shared';
import type { LogWatcher } from '../logs/log-watcher.js';
import type { ServiceManager } from '../services/manager.js';
import { watchOom, type OomWatchOptions } from '../services/oom.js';

/** The finding's source for OOM kills found from the exit, the cgroup and the kernel log (not from a line of the service's logs). */
export const OOM_SOURCE = 'oom-killer';

/**
 * Wraps a service's manager so an OOM kill of the service becomes a `memory_exhaustion`
 * finding (excerpt: the process, its pid and the evidence) and a warning in the agent's log.
 */
export function withOomFindings(manager: ServiceManager, logs: LogWatcher, logger: Logger, options: Partial<OomWatchOptions> = {}): ServiceManager {
  return watchOom(manager, {
    onError: (err, where) => logger.debug({ err, where, service: manager.name }, 'OOM detection could not read'),
    ...options,
    onOom: (v) => {
      logs.note('memory_exhaustion', OOM_SOURCE, v.excerpt);
      logger.warn({ service: manager.name, pid: v.pid, process: v.name, evidence: v.excerpt }, `service ${manager.name}: ${v.summary}`);
    },
  });
}
