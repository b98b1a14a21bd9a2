export { startCoordinator, type Coordinator, type CoordinatorDeps } from './coordinator.js';
export { coordinatorConfigSchema, type CoordinatorConfig } from './config.js';
export { parseCli, HELP } from './cli.js';
export { buildApp } from './http/app.js';
export { SilenceDetector, DEFAULT_DETECTOR_OPTIONS, type SilenceDetectorOptions, type SilenceVerdict } from './detector/silence-detector.js';
export { IntervalWindow, phi, yAtPhi } from './detector/phi-accrual.js';
export type { HostRecord, HostState, Transition } from './registry/types.js';
