import path from 'node:path';
import { z } from 'zod';
import { ConfigError, buildConfig, durationMs, formatHostPort, hostId, isLoopback, logLevel, mergeLogPatterns, parseHostPort, quoteText, tlsFiles, type LogPatternTable } from '@vigil/shared';
import { parseServices, type ServiceSpec } from './services/schema.js';

/** One coordinator address, in the order it is tried. */
export interface CoordinatorTarget {
  readonly host: string;
  readonly port: number;
  /** `host:port` (`[v6]:port`), as gRPC wants it. */
  readonly address: string;
}

/** Paths to the PEM files for mutual TLS. */
export interface TlsPaths {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** The agent's validated, frozen configuration. */
export interface AgentConfig {
  /**
   * Coordinators to stream to, tried in this order; the agent fails over to the next one
   * when a target refuses or goes away.
   * @default [127.0.0.1:7400]
   */
  readonly coordinators: readonly CoordinatorTarget[];
  /**
   * This host's id: a hostname (FQDNs allowed), lower-cased.
   * @default os.hostname()
   */
  readonly hostId: string;
  /**
   * Heartbeat and sampling interval in milliseconds (100 ms to 1 h).
   * @default 5000
   */
  readonly intervalMs: number;
  /**
   * How often the agent tells the coordinator it is alive, apart from the samples; 0 for
   * never (the heartbeats alone then say so). The coordinator declares a host silent
   * within about two of these.
   * @default 1000
   */
  readonly livenessIntervalMs: number;
  /**
   * Directory for the agent's state, created at start; absolute.
   * @default ./vigil-agent-data, resolved against the working directory
   */
  readonly dataDir: string;
  /**
   * Mutual TLS files; required unless every coordinator is a loopback address.
   * @default undefined (plaintext, loopback only)
   */
  readonly tls: TlsPaths | undefined;
  /**
   * Free labels sent in Hello, e.g. `zone: eu-1`.
   * @default {}
   */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * pino log level.
   * @default info
   */
  readonly logLevel: z.output<typeof logLevel>;
  /**
   * Where the coordinator's diagnosis looks for this host's SSH server: a port, `none`
   * (no SSH it can reach: other evidence decides), or undefined for the coordinator's
   * fleet default (its `sshPort`, 22). Sent in Hello.
   * @default undefined
   */
  readonly sshPort: number | 'none' | undefined;
  /**
   * Services to watch and recover on this host (see packages/agent/README.md).
   * @default []
   */
  readonly services: readonly ServiceSpec[];
  /**
   * The runbook's root-cause table plus the `logPatterns` rows of the config file.
   * @default the runbook's section 5
   */
  readonly logPatterns: LogPatternTable;
}

export const DEFAULT_COORDINATOR = '127.0.0.1:7400';
export const DEFAULT_INTERVAL = '5s';
export const DEFAULT_LIVENESS_INTERVAL = '1s';
export const DEFAULT_DATA_DIR = './vigil-agent-data';
export const DEFAULT_LOG_LEVEL = 'info';

/** `host:port[,host:port...]`, as one comma string or a list (of comma strings). */
const coordinatorTargets = z.union([z.string(), z.array(z.string())]).transform((v, ctx): CoordinatorTarget[] => {
  const parts = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one HOST:PORT' });
  const out: CoordinatorTarget[] = [];
  for (const part of parts) {
    try {
      const { host, port } = parseHostPort(part);
      if (port === 0) throw new Error(`${quoteText(part)} has port 0`);
      out.push({ host, port, address: formatHostPort(host, port) });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  }
  return out;
});

/**
 * Labels whose names mean something to the coordinator (everything else is free text for
 * filtering and routing). Listed here, beside the labels schema, so docs/config.md is
 * generated from the same place the agent validates labels.
 */
export const SPECIAL_LABELS: readonly { readonly name: string; readonly meaning: string }[] = [
  { name: 'zone', meaning: "Groups hosts that share network dependencies: diagnosis asks peers of the same zone first, and many silent hosts of one zone make a zone outage. The label's name is the coordinator's `zoneLabel` (default `zone`)." },
  { name: 'address', meaning: 'The address the coordinator pings and connects to when it diagnoses this host, instead of the address its stream comes from (for hosts behind NAT or a proxy).' },
  { name: 'ssh_port', meaning: "The host's SSH port (a port or `none`) for fleets that set it before the agent had `sshPort`; the agent's `sshPort` wins over it, and an unreadable value is reported and ignored." },
];

const LABEL_KEY = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,62})$/;

/** Same bounds the coordinator applies to Hello.labels, so a valid config is never refused. */
const labels = z.record(z.string(), z.string().max(256, 'label values are at most 256 characters')).superRefine((r, ctx) => {
  const keys = Object.keys(r);
  if (keys.length > 64) ctx.addIssue({ code: 'custom', message: `at most 64 labels (got ${keys.length})` });
  for (const k of keys) {
    if (!LABEL_KEY.test(k)) {
      ctx.addIssue({ code: 'custom', path: [k], message: `label key ${quoteText(k, 40)} must be 1-63 letters, digits, ".", "_", "/" or "-", starting with a letter or digit` });
    }
  }
});

/** `sshPort`: a TCP port, or `none` (from a file: a number or a string; from a flag: a string). */
const sshPort = z.union([z.number(), z.string()]).transform((v, ctx): number | 'none' => {
  const t = String(v).trim().toLowerCase();
  if (t === 'none') return 'none';
  const n = /^\d{1,5}$/.test(t) ? Number(t) : NaN;
  if (n >= 1 && n <= 65_535) return n;
  ctx.addIssue({ code: 'custom', message: `"${v}" is neither a TCP port (1-65535) nor "none"` });
  return z.NEVER;
});

const interval = durationMs.pipe(
  z.number().min(100, 'must be at least 100ms').max(3_600_000, 'must be at most 1h'),
);

const livenessInterval = durationMs.pipe(
  z.number().refine((ms) => ms === 0 || (ms >= 100 && ms <= 3_600_000), 'must be 0 (none) or between 100ms and 1h'),
);

/** The config file's keys; command-line values are merged in under the same names. */
export const agentConfigSchema = z
  .object({
    /** Coordinators to stream to, `HOST:PORT` as a comma list or a YAML list, tried in order: the agent fails over to the next when one refuses or goes away. */
    coordinators: coordinatorTargets.prefault(DEFAULT_COORDINATOR),
    /** This host's id: a hostname (FQDNs allowed), lower-cased; the TLS client certificate must name it. @default this machine's hostname */
    hostId,
    /** Heartbeat and sampling interval, 100ms to 1h; the coordinator may answer with the nearest bound it allows. */
    interval: interval.prefault(DEFAULT_INTERVAL),
    /** How often the agent tells the coordinator it is alive, apart from the samples (1s: a frozen host or a cut link is declared silent within about 2 s); 0 for never, when heartbeats alone say so. The coordinator may raise it to its shortest period, and grants none when it is not shorter than the interval. */
    livenessInterval: livenessInterval.prefault(DEFAULT_LIVENESS_INTERVAL),
    /** Directory for the agent's state (event journal, service state), created at start; relative paths resolve against the working directory. */
    dataDir: z.string().min(1, 'must not be empty').prefault(DEFAULT_DATA_DIR),
    /** Mutual TLS files (PEM): `ca` signed the coordinator's certificate, `cert` and `key` are this agent's, naming its host id. All three, or none (plaintext, loopback coordinators only). See docs/tls.md. */
    tls: tlsFiles.optional(),
    /** Free labels sent in Hello, e.g. `zone: eu-1`; at most 64, keys of letters, digits, `.`, `_`, `/`, `-`. Some names mean something to the coordinator: see "Labels the coordinator reads" below. */
    labels: labels.prefault({}),
    /** Log level of the JSON log on standard error. */
    logLevel: logLevel.prefault(DEFAULT_LOG_LEVEL),
    /** Where the coordinator's diagnosis looks for this host's SSH server: a port, or `none` (no SSH it can reach: other evidence decides). Sent in Hello; absent, the coordinator's `sshPort` (22) applies. @default the coordinator's sshPort */
    sshPort: sshPort.optional(),
    // Validated below with their own schemas, whose errors name the nested fields.
    /** Services to watch and recover on this host (manager, health checks, recovery); see packages/agent/README.md. Config file only. @default none */
    services: z.unknown().optional(),
    /** Extra root-cause rows (`pattern`, `cause`) matched against a failed service's logs, after the runbook's own. Config file only. @default the runbook's table only */
    logPatterns: z.unknown().optional(),
  })
  .strict()
  .transform((c, ctx): AgentConfig => {
    const tls = c.tls?.ca && c.tls.cert && c.tls.key ? { ca: c.tls.ca, cert: c.tls.cert, key: c.tls.key } : undefined;
    const remote = c.coordinators.find((t) => !isLoopback(t.host));
    if (!tls && remote) {
      ctx.addIssue({
        code: 'custom',
        path: ['coordinators'],
        message: `${quoteText(remote.address)} is not a loopback address and plaintext is only allowed to loopback coordinators; give --tls-ca, --tls-cert and --tls-key (or tls: {ca, cert, key} in the config file)`,
      });
    }
    return {
      coordinators: c.coordinators,
      hostId: c.hostId,
      intervalMs: c.interval,
      livenessIntervalMs: c.livenessInterval,
      dataDir: path.resolve(c.dataDir),
      tls,
      labels: c.labels,
      logLevel: c.logLevel,
      sshPort: c.sshPort,
      services: [],
      logPatterns: [],
      raw: { services: c.services, logPatterns: c.logPatterns },
    } as AgentConfig & { raw: { services: unknown; logPatterns: unknown } };
  });

/** Config keys as command-line flags, so an error names what the user actually typed. */
export const FLAG_FOR_FIELD: Readonly<Record<string, string>> = {
  coordinators: '--coordinator',
  hostId: '--host-id',
  interval: '--interval',
  livenessInterval: '--liveness-interval',
  dataDir: '--data-dir',
  tls: '--tls-ca/--tls-cert/--tls-key',
  'tls.ca': '--tls-ca',
  'tls.cert': '--tls-cert',
  'tls.key': '--tls-key',
  labels: '--label',
  logLevel: '--log-level',
  sshPort: '--ssh-port',
};

const KNOWN_KEYS = 'coordinators, hostId, interval, livenessInterval, dataDir, tls, labels, logLevel, sshPort, services, logPatterns';

function withFlag(problem: string): string {
  // A misspelt file key would otherwise be reported against "(root)" with the whole file as the value.
  const unknown = /^\(root\): Unrecognized keys?: (.*?) \(got /.exec(problem);
  if (unknown) return `config file: unknown key ${unknown[1]} (known keys: ${KNOWN_KEYS})`;
  // describeIssues writes `field.path: message (got value)`.
  const sep = problem.indexOf(': ');
  if (sep <= 0) return problem;
  const field = problem.slice(0, sep);
  const flag = FLAG_FOR_FIELD[field] ?? FLAG_FOR_FIELD[field.split('.')[0]!];
  return flag ? `${field} (${flag})${problem.slice(sep)}` : problem;
}

/**
 * Validates the merged config once and freezes it. `fromCli` wins over `fromFile`, key by
 * key inside `tls` and `labels` too, so one flag does not drop the file's other entries.
 * Throws ConfigError whose lines name the field, its flag and the bad value.
 */
export function resolveConfig(fromFile: Record<string, unknown>, fromCli: Record<string, unknown>): AgentConfig {
  const cli: Record<string, unknown> = { ...fromCli };
  for (const key of ['tls', 'labels'] as const) {
    const f = fromFile[key];
    const c = cli[key];
    if (isPlainObject(f) && isPlainObject(c)) cli[key] = { ...f, ...c };
  }
  let base: AgentConfig & { raw: { services: unknown; logPatterns: unknown } };
  try {
    base = buildConfig(agentConfigSchema, fromFile, cli) as typeof base;
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.problems.map(withFlag));
    throw err;
  }
  const problems: string[] = [];
  let services: readonly ServiceSpec[] = [];
  let logPatterns: LogPatternTable = mergeLogPatterns([]);
  try {
    services = parseServices(base.raw.services ?? [], { defaultIntervalMs: base.intervalMs, field: 'services' });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  try {
    logPatterns = mergeLogPatterns(base.raw.logPatterns ?? []);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const { raw: _raw, ...rest } = base;
  return Object.freeze({ ...rest, services, logPatterns });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
