export { capDetail, DETAIL_CAP_BYTES, runCheck, type CheckContext, type CheckResult, type HealthCheck } from './check.js';
export { HttpCheck } from './http.js';
export { Hysteresis, HysteresisCheck, type CheckState, type HysteresisOptions, type HysteresisVerdict, type JudgedResult } from './hysteresis.js';
export { CHECK_KINDS, CHECKS, checkKindOf, checkName, checkPorts, checkSchema, createCheck, servesTraffic, type CheckDeps, type CheckSpec, type CheckType } from './registry.js';
export { checkCommon, defineCheckKind, type CheckKind } from './kind.js';
export { ResourcesCheck, type ResourcesCheckDeps } from './resources.js';
export { TcpCheck } from './tcp.js';
export { computeUsage, type ProcSample, type Usage, type UsageInput } from './usage.js';
export { CheckScheduler, ScheduledCheck, type CheckNotifier, type CheckView } from './scheduler.js';
