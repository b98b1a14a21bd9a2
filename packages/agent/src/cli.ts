import os from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, readYamlConfig } from '@vigil/shared';
import { DEFAULT_COORDINATOR, DEFAULT_DATA_DIR, DEFAULT_INTERVAL, DEFAULT_LIVENESS_INTERVAL, DEFAULT_LOG_LEVEL, resolveConfig, type AgentConfig } from './config.js';
import { AGENT_VERSION } from './version.js';

/** Exit status for bad configuration, from flags or file alike. */
export const EXIT_CONFIG = 2;

/** What the command line asks for; `main` carries it out. */
export type CliOutcome =
  | { readonly type: 'run'; readonly config: AgentConfig }
  | { readonly type: 'check'; readonly config: AgentConfig }
  | { readonly type: 'write-code-cache' }
  | { readonly type: 'print'; readonly text: string; readonly exitCode: 0 }
  | { readonly type: 'fail'; readonly message: string; readonly exitCode: typeof EXIT_CONFIG };

/** The side effects parsing needs, injectable for tests. */
export interface CliEnv {
  hostname(): string;
  readConfigFile(file: string): Record<string, unknown>;
}

export const defaultCliEnv: CliEnv = { hostname: () => os.hostname(), readConfigFile: readYamlConfig };

interface OptionSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  readonly value?: string;
  readonly help: string;
  readonly default?: string;
}

/** Every option, in help order; parseArgs' config and --help are both built from it. */
export const OPTIONS: readonly OptionSpec[] = [
  { name: 'coordinator', type: 'string', multiple: true, value: 'HOST:PORT[,HOST:PORT...]', help: 'coordinators to stream to, tried in order (fails over to the next)', default: DEFAULT_COORDINATOR },
  { name: 'host-id', type: 'string', value: 'ID', help: "this host's id, a hostname; lower-cased", default: "this machine's hostname" },
  { name: 'interval', type: 'string', value: 'DURATION', help: 'heartbeat and sampling interval, e.g. 500ms, 5s, 1m', default: DEFAULT_INTERVAL },
  { name: 'liveness-interval', type: 'string', value: 'DURATION', help: 'how often to tell the coordinator "alive" apart from samples; 0 for never', default: DEFAULT_LIVENESS_INTERVAL },
  { name: 'config', type: 'string', value: 'FILE', help: 'YAML config file; command-line options win over it', default: 'none' },
  { name: 'data-dir', type: 'string', value: 'DIR', help: "directory for the agent's state (created if missing)", default: DEFAULT_DATA_DIR },
  { name: 'tls-ca', type: 'string', value: 'FILE', help: 'CA certificate (PEM) that signed the coordinator certificate', default: 'none' },
  { name: 'tls-cert', type: 'string', value: 'FILE', help: "this agent's client certificate (PEM)", default: 'none' },
  { name: 'tls-key', type: 'string', value: 'FILE', help: "this agent's private key (PEM)", default: 'none' },
  { name: 'label', type: 'string', multiple: true, value: 'KEY=VALUE', help: 'label sent to the coordinator, e.g. zone=eu-1; repeatable', default: 'none' },
  { name: 'ssh-port', type: 'string', value: 'PORT|none', help: "where the coordinator's diagnosis looks for this host's SSH server; none: no SSH to judge", default: "the coordinator's (22)" },
  { name: 'log-level', type: 'string', value: 'LEVEL', help: 'fatal, error, warn, info, debug, trace or silent', default: DEFAULT_LOG_LEVEL },
  { name: 'check', type: 'boolean', help: 'validate as a start would, print the effective configuration as JSON and exit (0 valid, 2 invalid)' },
  { name: 'write-code-cache', type: 'boolean', help: "write V8's code cache of the program to the cache directory (CACHE_DIRECTORY or VIGIL_AGENT_CACHE_DIR) and exit, so the next start deserialises it instead of parsing; the package runs it on install and upgrade" },
  { name: 'help', type: 'boolean', short: 'h', help: 'print this help and exit' },
  { name: 'version', type: 'boolean', short: 'V', help: 'print the version and exit' },
];

export function helpText(): string {
  const rows = OPTIONS.map((o) => [`${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`, o.default ? `${o.help} (default: ${o.default})` : o.help] as const);
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return [
    'Usage: vigil-agent [options]',
    '',
    'Samples this host and streams heartbeats to a Vigil coordinator over gRPC.',
    'Plaintext is allowed only to loopback coordinators; anything else needs the three --tls-* files.',
    '',
    'Options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`),
    '',
    'Config file keys: coordinators, hostId, interval, livenessInterval, dataDir, tls {ca, cert, key}, labels {key: value}, logLevel, sshPort, services, logPatterns.',
    'Every key, flag and default: docs/config.md.',
    '',
  ].join('\n');
}

/** Splits repeated `--label key=value` flags; the value may itself contain `=`. */
export function parseLabels(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) problems.push(`labels (--label): "${item}" is not KEY=VALUE`);
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

/**
 * Turns argv into what to do, without touching the process: no printing, no exiting.
 * Every configuration problem becomes `{type: 'fail', exitCode: 2}` with a message that
 * names the field and the bad value.
 */
export function parseCli(argv: readonly string[], env: CliEnv = defaultCliEnv): CliOutcome {
  let hostIdDefaulted = false;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      // parseArgs rejects keys present with an undefined value, so only set what is given.
      options: Object.fromEntries(OPTIONS.map((o) => [o.name, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }])),
      strict: true,
      allowPositionals: true,
    });
    const v = values as Record<string, string | string[] | boolean | undefined>;
    if (v.help) return { type: 'print', text: helpText(), exitCode: 0 };
    if (v.version) return { type: 'print', text: `vigil-agent ${AGENT_VERSION}\n`, exitCode: 0 };
    if (v['write-code-cache']) return { type: 'write-code-cache' };
    if (positionals.length > 0) throw new ConfigError([`unexpected argument "${positionals[0]}" (options start with --; see --help)`]);

    const str = (name: string): string | undefined => v[name] as string | undefined;
    const list = (name: string): string[] | undefined => v[name] as string[] | undefined;
    const fromFile = str('config') !== undefined ? env.readConfigFile(str('config')!) : {};
    const tls = { ca: str('tls-ca'), cert: str('tls-cert'), key: str('tls-key') };
    const labelFlags = list('label');
    // The hostname is only a default: a file's hostId must not be overridden by it.
    hostIdDefaulted = str('host-id') === undefined && fromFile.hostId === undefined;
    const fromCli: Record<string, unknown> = {
      coordinators: list('coordinator')?.join(','),
      hostId: hostIdDefaulted ? env.hostname() : str('host-id'),
      interval: str('interval'),
      livenessInterval: str('liveness-interval'),
      dataDir: str('data-dir'),
      tls: Object.values(tls).some((x) => x !== undefined) ? Object.fromEntries(Object.entries(tls).filter(([, x]) => x !== undefined)) : undefined,
      labels: labelFlags ? parseLabels(labelFlags) : undefined,
      logLevel: str('log-level'),
      sshPort: str('ssh-port'),
    };
    const config = resolveConfig(fromFile, fromCli);
    // --check takes exactly the path a start takes, so what it accepts a start accepts too.
    return { type: v.check ? 'check' : 'run', config };
  } catch (err) {
    if (err instanceof ConfigError) {
      const problems = hostIdDefaulted
        ? err.problems.map((p) => (p.startsWith('hostId') ? `${p}; it defaults to this machine's hostname, so pass a valid --host-id` : p))
        : err.problems;
      return { type: 'fail', message: new ConfigError(problems).message, exitCode: EXIT_CONFIG };
    }
    // parseArgs reports unknown options and missing values as TypeErrors with ERR_PARSE_ARGS_* codes.
    if (isParseArgsError(err)) return { type: 'fail', message: `invalid command line:\n  ${err.message.split('. ')[0]}\n  (see --help)`, exitCode: EXIT_CONFIG };
    throw err;
  }
}

function isParseArgsError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
