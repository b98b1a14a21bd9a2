import type { OptionSpec } from './command.js';

/** Flags every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', value: 'URL', description: 'coordinator API (else VIGIL_URL, the config file, http://127.0.0.1:7401)' },
  token: { type: 'string', value: 'TOKEN', description: 'API token (else VIGIL_TOKEN, the config file)' },
  config: { type: 'string', value: 'FILE', description: 'config file (else VIGIL_CONFIG, ~/.config/vigil/cli.json)' },
  output: { type: 'string', short: 'o', value: 'FORMAT', description: 'table (for people) or json (for scripts)', choices: ['table', 'json'] },
  timeout: { type: 'string', value: 'DURATION', description: 'longest wait for an answer, e.g. 10s (default 30s)' },
  'no-color': { type: 'boolean', description: 'no colour even on a terminal (NO_COLOR=1 does the same)' },
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
};
