import type { Clock } from '@vigil/shared';
import type { ServiceManager } from './manager.js';
import { ProcessManager, type ProcessManagerOptions } from './process.js';
import type { ManagerKind, ServiceSpec } from './schema.js';
import { SystemdManager, type SystemdManagerOptions } from './systemd.js';

/** What a manager factory may be given besides the service's declaration. */
export interface ManagerDeps {
  clock?: Clock;
  systemd?: Omit<SystemdManagerOptions, 'clock'>;
  process?: Omit<ProcessManagerOptions, 'clock'>;
}

type Factory<K extends ManagerKind> = (spec: Extract<ServiceSpec, { manager: K }>, deps: ManagerDeps) => ServiceManager;

/** One line per kind of manager: adding a kind is one file and one line here. */
export const MANAGERS: { [K in ManagerKind]: Factory<K> } = {
  systemd: (spec, deps) => new SystemdManager(spec, { ...deps.systemd, ...(deps.clock ? { clock: deps.clock } : {}) }),
  process: (spec, deps) => new ProcessManager(spec, { ...deps.process, ...(deps.clock ? { clock: deps.clock } : {}) }),
};

export function createManager(spec: ServiceSpec, deps: ManagerDeps = {}): ServiceManager {
  switch (spec.manager) {
    case 'systemd':
      return MANAGERS.systemd(spec, deps);
    case 'process':
      return MANAGERS.process(spec, deps);
  }
}
