import { checkName, type CheckSpec } from '../services/schema.js';
import type { HealthCheck } from './check.js';
import { HttpCheck } from './http.js';
import { ResourcesCheck, type ResourcesCheckDeps } from './resources.js';
import { TcpCheck } from './tcp.js';

export interface CheckDeps {
  resources?: ResourcesCheckDeps;
}

type Factory<T extends CheckSpec['type']> = (spec: Extract<CheckSpec, { type: T }>, deps: CheckDeps) => HealthCheck;

/** One line per kind of check: adding a kind is one file and one line here. */
export const CHECKS: { [T in CheckSpec['type']]: Factory<T> } = {
  http: (spec) => new HttpCheck(checkName(spec), spec),
  tcp: (spec) => new TcpCheck(checkName(spec), spec),
  resources: (spec, deps) => new ResourcesCheck(checkName(spec), spec, deps.resources),
};

export function createCheck(spec: CheckSpec, deps: CheckDeps = {}): HealthCheck {
  switch (spec.type) {
    case 'http':
      return CHECKS.http(spec, deps);
    case 'tcp':
      return CHECKS.tcp(spec, deps);
    case 'resources':
      return CHECKS.resources(spec, deps);
  }
}
