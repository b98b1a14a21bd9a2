export { ServiceCommandError } from './errors.js';
export { runCommand, type CommandOptions, type CommandOutput, type RunCommand } from './exec.js';
export { decodeField, parseJournalEntry, parseJournalJson, type JournalEntry, type JournalFields, type JournalParse } from './journal.js';
export { LineRing, LineSplitter } from './lines.js';
export type { AdoptOutcome, ExitNotice, LogLine, ServiceManager, ServiceState, ServiceStatus, StopResult, Unsubscribe } from './manager.js';
export { createManager, MANAGER_KINDS, MANAGERS, managerKindOf, ownsProcesses, type ManagerDeps } from './managers.js';
export { defineManagerKind, type ManagerKindDef } from './manager-kind.js';
export { ProcessManager, type ProcessManagerOptions } from './process.js';
export { isGone, parseCgroupProcs, parseProcStat, parseProcStatm, parseUptime, type ProcStat, type ProcStatm } from './procfs.js';
export {
  checkName,
  parseServices,
  serviceSchema,
  servicesSchema,
  type CheckSpec,
  type HttpCheckSpec,
  type ManagerKind,
  type ProcessServiceSpec,
  type RecoverySettings,
  type ResourcesCheckSpec,
  type ServiceSpec,
  type SystemdServiceSpec,
  type TcpCheckSpec,
} from './schema.js';
export { SystemdManager, type SystemdManagerOptions } from './systemd.js';
export { describeMainExit, parseShowOutput, SHOW_PROPERTIES, toUnitProperties, unitStatus, type UnitProperties } from './systemd-show.js';
export { OutputFollower, type OutputFollowerOptions } from './output-file.js';
export { findPortHolders, parseProcNetTcp, portOfAddressInUse, TCP_LISTEN, type PortHolder, type TcpSocketRow } from './port-holder.js';
export { checkRecord, processRecordFile, processRecordSchema, type ProcessRecord, type ProcessRecordStore, type RecordCheck } from './process-record.js';
