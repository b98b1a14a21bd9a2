/**
 * @vigil/agent: the public API of vigil-agent, for the command, tests and later features.
 */
export { Agent, startAgent, CORE_CAPABILITIES, type AgentHandle, type AgentOptions } from './agent.js';
export type { AgentContext, AgentPlugin, DeclaredService, HeartbeatExtras, HelloExtras, RequestHandlers, RequestKind } from './plugin.js';
export {
  agentConfigSchema,
  resolveConfig,
  DEFAULT_COORDINATOR,
  DEFAULT_DATA_DIR,
  DEFAULT_INTERVAL,
  DEFAULT_LOG_LEVEL,
  type AgentConfig,
  type CoordinatorTarget,
  type TlsPaths,
} from './config.js';
export { parseCli, helpText, parseLabels, defaultCliEnv, EXIT_CONFIG, OPTIONS, type CliEnv, type CliOutcome } from './cli.js';
export { main } from './main.js';
export { Connection, type ConnectionHandler, type ConnectionOptions, type ConnectionState, type Session, type Welcome } from './connection.js';
export type { CoordinatorStream, Dialer, StreamEvents } from './transport.js';
export { createGrpcDialer, CHANNEL_OPTIONS } from './grpc-dialer.js';
export { createCredentials } from './credentials.js';
export { backoffCeiling, backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { buildHeartbeat } from './heartbeat.js';
export { Sampler, type SampleSource, type SamplerOptions } from './sampler.js';
export { readStaticInfo, basicStaticInfo, type StaticInfo } from './static-info.js';
export { AGENT_VERSION } from './version.js';
export * from './errors.js';
export * from './collectors/index.js';
