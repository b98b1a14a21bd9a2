export * from './binaries.js';
export * from './processes.js';
export * from './nats-server.js';
export * from './coordinator.js';
export * from './http-get.js';
export * from './poll.js';
export * from './free-port.js';
export * from './temp-dir.js';
