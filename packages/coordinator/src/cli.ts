import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildConfig, ConfigError, isLoopback, readYamlConfig } from '@vigil/shared';
import { coordinatorConfigSchema, type CoordinatorConfig } from './config.js';
import { readTokensFile } from './tokens-file.js';

export const HELP = `vigil-coordinator: detects silent hosts, stores state, publishes events and serves the API

Usage: vigil-coordinator [options]
       vigil-coordinator hash-token < token.txt   print the SHA-256 to put in tokens[].sha256

  --grpc HOST:PORT            gRPC listener for agents (port 0 = any)       [127.0.0.1:7400]
  --http HOST:PORT            HTTP API listener (port 0 = any)              [127.0.0.1:7401]
                              (HTTPS with the coordinator's certificate under TLS)
  --api-plain-listen HOST:PORT  extra plaintext API listener for local tools (loopback only)
  --nats URL[,URL...]|none    NATS servers to publish events to             [nats://127.0.0.1:4222]
  --data-dir DIR              SQLite store and ports.json                   [./vigil-data]
  --config FILE               YAML file with any of these options (camelCase keys);
                              every key: docs/config.md
  --tokens-file FILE          API tokens, one "NAME ROLE SHA256" per line
                              (replaces the config file's tokens list)
  --check                     validate as a start would, print the effective
                              configuration as JSON (secrets masked) and exit:
                              0 if valid, 2 naming the bad field and value
  --id NAME                   this coordinator's name                       [hostname]
  --tls-ca FILE               CA that signs agent certificates (mutual TLS)
  --tls-cert FILE             this coordinator's certificate
  --tls-key FILE              its private key
  --phi-threshold N           phi-accrual threshold for silence             [8]
  --disconnect-grace DUR      longest suspect → silent after a broken stream [1s]
  --min-disconnect-grace DUR  shortest one, whatever the agent needs        [0s]
  --echo-after DUR            time the round trip of a slow connect's stream
                              again this long after its Welcome (0: never)  [30s]
  --restart-grace DUR         known hosts' time to reconnect after a start  [15s]
  --floor-intervals N         never silent before N announced intervals    [1.75]
  --ceiling-intervals N       always silent after N announced intervals    [2]
  --min-silence-floor DUR     lower bound of the silence floor              [1s]
  --min-liveness-interval DUR shortest agent liveness period granted;
                              0 judges hosts by heartbeats alone            [250ms]
  --max-liveness-rate N       liveness messages/s from the whole fleet; a
                              larger fleet gets a longer period (0: none)   [10000]
  --max-liveness-datagram-rate N  the same for agents sending liveness as
                              UDP datagrams (0: none)                       [25000]
  --no-liveness-datagrams     take liveness on the agents' streams only
  --liveness-regrant-interval DUR  how often liveness periods are fitted
                              to the fleet's size                           [10s]
  --heartbeat-store-interval DUR  store a host's heartbeat at most this often
                              unless its services changed (0: every one)    [30s]
  --max-hello-rate N          Hellos admitted per second (0: no bound)      [800]
  --hello-burst N             Hellos admitted at once above that rate       [200]
  --hello-max-loop-lag DUR    send every Hello away while the event loop
                              lags more than this (0: never)                [2s]
  --max-message-bytes N       largest agent message accepted                [262144]
  --nats-stream NAME          JetStream stream for events                   [VIGIL]
  --public-url URL            API base URL used in event links
  --ready-publish-grace DUR   /readyz is 503 once events wait this long     [60s]
  --cluster                   share the fleet with other coordinators via NATS KV
  --cluster-ttl DUR           a silent coordinator is gone after this       [6s]
  --log-level LEVEL           fatal|error|warn|info|debug|trace|silent      [info]
  --ssh-port PORT|none        SSH port the diagnosis probes, unless a host's
                              agent sets its own sshPort                    [22]
  -h, --help                  show this help
  -v, --version               show the version

Durations take a unit: 500ms, 5s, 1m. Without TLS every listener must be on loopback.
`;

export const OPTIONS = {
  grpc: { type: 'string' },
  http: { type: 'string' },
  'api-plain-listen': { type: 'string' },
  nats: { type: 'string' },
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  'tokens-file': { type: 'string' },
  check: { type: 'boolean' },
  id: { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'phi-threshold': { type: 'string' },
  'disconnect-grace': { type: 'string' },
  'min-disconnect-grace': { type: 'string' },
  'echo-after': { type: 'string' },
  'restart-grace': { type: 'string' },
  'floor-intervals': { type: 'string' },
  'ceiling-intervals': { type: 'string' },
  'min-silence-floor': { type: 'string' },
  'min-liveness-interval': { type: 'string' },
  'max-liveness-rate': { type: 'string' },
  'max-liveness-datagram-rate': { type: 'string' },
  'no-liveness-datagrams': { type: 'boolean' },
  'liveness-regrant-interval': { type: 'string' },
  'heartbeat-store-interval': { type: 'string' },
  'max-hello-rate': { type: 'string' },
  'hello-burst': { type: 'string' },
  'hello-max-loop-lag': { type: 'string' },
  'max-message-bytes': { type: 'string' },
  'nats-stream': { type: 'string' },
  'public-url': { type: 'string' },
  'ready-publish-grace': { type: 'string' },
  'log-level': { type: 'string' },
  cluster: { type: 'boolean' },
  'cluster-ttl': { type: 'string' },
  'ssh-port': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export type CliResult = { kind: 'help' } | { kind: 'version' } | { kind: 'run' | 'check'; config: CoordinatorConfig };

/** Parses argv into a validated config; throws ConfigError naming the field and value. */
export function parseCli(argv: string[]): CliResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const fromFile = typeof values.config === 'string' ? readYamlConfig(values.config) : {};
  const s = (k: string) => values[k] as string | undefined;
  const tlsCli = { ca: s('tls-ca'), cert: s('tls-cert'), key: s('tls-key') };
  const anyTlsCli = Object.values(tlsCli).some((v) => v !== undefined);
  const fileTls = (fromFile.tls ?? {}) as Record<string, unknown>;
  const config = buildConfig(coordinatorConfigSchema, fromFile, {
    grpc: s('grpc'),
    http: s('http'),
    apiPlainListen: s('api-plain-listen'),
    nats: s('nats'),
    dataDir: s('data-dir'),
    id: s('id'),
    tls: anyTlsCli ? { ...fileTls, ...Object.fromEntries(Object.entries(tlsCli).filter(([, v]) => v !== undefined)) } : undefined,
    phiThreshold: s('phi-threshold'),
    disconnectGrace: s('disconnect-grace'),
    minDisconnectGrace: s('min-disconnect-grace'),
    echoAfter: s('echo-after'),
    restartGrace: s('restart-grace'),
    floorIntervals: s('floor-intervals'),
    ceilingIntervals: s('ceiling-intervals'),
    minSilenceFloor: s('min-silence-floor'),
    minLivenessInterval: s('min-liveness-interval'),
    maxLivenessRate: s('max-liveness-rate'),
    maxLivenessDatagramRate: s('max-liveness-datagram-rate'),
    livenessDatagrams: values['no-liveness-datagrams'] === true ? false : undefined,
    livenessRegrantInterval: s('liveness-regrant-interval'),
    heartbeatStoreInterval: s('heartbeat-store-interval'),
    maxHelloRate: s('max-hello-rate'),
    helloBurst: s('hello-burst'),
    helloMaxLoopLag: s('hello-max-loop-lag'),
    maxMessageBytes: s('max-message-bytes'),
    natsStream: s('nats-stream'),
    publicUrl: s('public-url'),
    readyPublishGrace: s('ready-publish-grace'),
    logLevel: s('log-level'),
    cluster: values.cluster === true ? true : undefined,
    clusterTtl: s('cluster-ttl'),
    sshPort: s('ssh-port'),
    tokens: s('tokens-file') !== undefined ? readTokensFile(s('tokens-file')!) : undefined,
  });
  checkExposure(config);
  checkTlsFiles(config);
  // --check goes through exactly this path, so what it accepts a start accepts too.
  return { kind: values.check === true ? 'check' : 'run', config };
}

/**
 * The TLS files are read now, so an unreadable one is a configuration error (exit 2,
 * naming the option) rather than a crash while the listeners start.
 */
export function checkTlsFiles(config: CoordinatorConfig, read: (file: string) => unknown = readFileSync): void {
  const problems: string[] = [];
  for (const field of ['ca', 'cert', 'key'] as const) {
    const file = config.tls[field];
    if (file === undefined) continue;
    try {
      read(file);
    } catch (err) {
      problems.push(`tls.${field} (--tls-${field}): cannot read "${file}": ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Plaintext only where nothing leaves the machine: beyond loopback, TLS is required. */
export function checkExposure(config: CoordinatorConfig): void {
  if (config.tls.ca) return;
  const exposed = [
    ['grpc', config.grpc.host],
    ['http', config.http.host],
  ].filter(([, host]) => !isLoopback(host!));
  if (exposed.length > 0) {
    throw new ConfigError(
      exposed.map(([field, host]) => `${field}: listening on "${host}" beyond loopback needs TLS (give --tls-ca, --tls-cert and --tls-key)`),
    );
  }
}
