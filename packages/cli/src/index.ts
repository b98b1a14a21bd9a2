export { main, findCommand, VERSION } from './main.js';
export { EXIT, exitCodeOfStatus, type ExitCode } from './exit-codes.js';
export { loadConfig, defaultConfigPath, type Config } from './config.js';
export { configFileSchema, parseConfigFile } from './config-file.js';
export { ApiClient } from './client.js';
export { COMMANDS } from './commands/index.js';
export { parseSse, SseParser, type SseFrame } from '@vigil/shared/sse';
export { bashCompletion, zshCompletion } from './completion.js';
