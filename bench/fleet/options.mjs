// The simulator's command line, validated once and frozen.
import { parseArgs } from 'node:util';

export const HELP = `fleet: simulate N Vigil agents against a coordinator and measure detection

Usage: node bench/fleet/fleet.mjs --target HOST:PORT [options]

  --target HOST:PORT[,...]  coordinator gRPC listener(s) (127.0.0.0/8 only); agents fail over along the list (required)
  --agents N                simulated agents                                [1000]
  --interval MS             heartbeat interval, ms                          [5000]
  --jitter F                heartbeat jitter, a share of the interval       [0.1]
  --liveness-interval MS    liveness period asked in Hello (vigil-agent: 1000); 0 for none [1000]
  --liveness-datagrams ON   on: offer liveness as UDP datagrams too (liveness_datagram, as vigil-agent); off: stream messages only [on]
  --processes P             simulator processes                             [ceil(N/4000)]
  --ramp-rate R             new connections per second, all processes       [500]
  --settle S                after the last first connection, wait at most this long for all to be up [60]
  --warmup S                seconds between the last connection and the measurement [15]
  --duration S              measurement window, seconds                     [60]
  --kills K                 agents killed during the window                 [50]
  --kill-mode MODE          destroy | freeze | mixed                        [mixed]
  --kill-at-once            kill all K at the same moment (a rack going down)
  --nats URL                NATS server to watch for vigil.v1.host.> events
  --coordinator-pid PID     sample this process's CPU and RSS
  --nats-pid PID            sample nats-server's CPU and RSS too
  --metrics-url URL         the coordinator's /metrics
  --scrape-interval S       seconds between /metrics scrapes                [5]
  --source-addresses N      spread connections over 127.0.0.1 .. 127.0.0.N  [1]
  --host-prefix STR         host ids are <prefix><n><suffix>                [sim-]
  --host-suffix STR         .invalid keeps the coordinator's DNS probes off the network [.invalid]
  --payload KIND            typical (resource sample) | minimal             [typical]
  --first-heartbeat WHEN    spread (uniform over the first interval) | immediate (as vigil-agent) [spread]
  --welcome-timeout MS      give up on a connection without Welcome; doubled per late Welcome in a row, up to 30 s (vigil-agent: 5000) [5000]
  --accept-timeout MS       give up on a TCP connection the coordinator has not taken (no SETTINGS); the Welcome wait starts once it is taken (vigil-agent: 30000) [30000]
  --seed N                  seed of the kill plan                           [1]
  --label STR               name of this run in the output
  --json-out FILE           also write the result JSON here
  -h, --help
`;

const OPTIONS = {
  target: { type: 'string' },
  agents: { type: 'string', default: '1000' },
  interval: { type: 'string', default: '5000' },
  'liveness-interval': { type: 'string', default: '1000' },
  'liveness-datagrams': { type: 'string', default: 'on' },
  jitter: { type: 'string', default: '0.1' },
  processes: { type: 'string' },
  'ramp-rate': { type: 'string', default: '500' },
  settle: { type: 'string', default: '60' },
  warmup: { type: 'string', default: '15' },
  duration: { type: 'string', default: '60' },
  kills: { type: 'string', default: '50' },
  'kill-mode': { type: 'string', default: 'mixed' },
  'kill-at-once': { type: 'boolean', default: false },
  nats: { type: 'string' },
  'coordinator-pid': { type: 'string' },
  'nats-pid': { type: 'string' },
  'metrics-url': { type: 'string' },
  'scrape-interval': { type: 'string', default: '5' },
  'source-addresses': { type: 'string', default: '1' },
  'host-prefix': { type: 'string', default: 'sim-' },
  'host-suffix': { type: 'string', default: '.invalid' },
  payload: { type: 'string', default: 'typical' },
  'first-heartbeat': { type: 'string', default: 'spread' },
  'welcome-timeout': { type: 'string', default: '5000' },
  'accept-timeout': { type: 'string', default: '30000' },
  seed: { type: 'string', default: '1' },
  label: { type: 'string' },
  'json-out': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export class OptionError extends Error {}

function num(values, name, { min, max, int = true } = {}) {
  const raw = values[name];
  const v = Number(raw);
  if (!Number.isFinite(v) || (int && !Number.isInteger(v)) || (min !== undefined && v < min) || (max !== undefined && v > max)) {
    throw new OptionError(`--${name}: "${raw}" is not ${int ? 'an integer' : 'a number'}${min !== undefined ? ` >= ${min}` : ''}${max !== undefined ? ` <= ${max}` : ''}`);
  }
  return v;
}

/** Loopback only: the simulator never opens a connection that leaves the machine. */
function loopback(what, host) {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) && host !== 'localhost') throw new OptionError(`${what}: "${host}" is not on 127.0.0.0/8`);
}

export function parseOptions(argv) {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) return null;
  if (!values.target) throw new OptionError('--target HOST:PORT is required');
  // Several targets: each agent fails over along the list, as vigil-agent does; agents
  // start at different places in it, so the fleet is spread over the coordinators.
  const targets = values.target.split(',').map((t) => {
    const tm = /^(.+):(\d+)$/.exec(t.trim());
    if (!tm) throw new OptionError(`--target: "${t}" is not HOST:PORT`);
    loopback('--target', tm[1]);
    return { host: tm[1], port: Number(tm[2]) };
  });
  const m = [values.target, targets[0].host, String(targets[0].port)];
  if (values.nats) loopback('--nats', new URL(values.nats).hostname);
  if (values['metrics-url']) loopback('--metrics-url', new URL(values['metrics-url']).hostname);
  const agents = num(values, 'agents', { min: 1, max: 1_000_000 });
  const intervalMs = num(values, 'interval', { min: 100 });
  const livenessIntervalMs = num(values, 'liveness-interval', { min: 0 });
  // What the coordinator judges silence by: the liveness period where it is shorter (the
  // coordinator grants it only then), else the heartbeat interval.
  const periodMs = livenessIntervalMs > 0 && livenessIntervalMs < intervalMs ? livenessIntervalMs : intervalMs;
  const durationS = num(values, 'duration', { min: 1, int: false });
  const killMode = values['kill-mode'];
  if (!['destroy', 'freeze', 'mixed'].includes(killMode)) throw new OptionError(`--kill-mode: "${killMode}" is not destroy, freeze or mixed`);
  if (!['typical', 'minimal'].includes(values.payload)) throw new OptionError(`--payload: "${values.payload}" is not typical or minimal`);
  if (!['on', 'off'].includes(values['liveness-datagrams'])) throw new OptionError(`--liveness-datagrams: "${values['liveness-datagrams']}" is not on or off`);
  if (!['spread', 'immediate'].includes(values['first-heartbeat'])) throw new OptionError(`--first-heartbeat: "${values['first-heartbeat']}" is not spread or immediate`);
  // A killed host not reported within this is missed; kills stop early enough for it to pass.
  const detectionDeadlineMs = 3 * periodMs + 5000;
  const kills = num(values, 'kills', { min: 0 });
  if (kills > 0 && durationS * 1000 <= detectionDeadlineMs) {
    throw new OptionError(`--duration: ${durationS} s leaves no time to kill: it must exceed the detection deadline of ${detectionDeadlineMs / 1000} s (3 periods + 5 s)`);
  }
  const sourceAddresses = num(values, 'source-addresses', { min: 1, max: 254 });
  return Object.freeze({
    host: m[1],
    port: Number(m[2]),
    targets,
    agents,
    intervalMs,
    livenessIntervalMs,
    // Datagrams carry the liveness, so without a liveness period there are none to offer.
    livenessDatagrams: values['liveness-datagrams'] === 'on' && livenessIntervalMs > 0,
    periodMs,
    jitter: num(values, 'jitter', { min: 0, max: 0.5, int: false }),
    processes: values.processes ? num(values, 'processes', { min: 1, max: 64 }) : Math.min(8, Math.max(1, Math.ceil(agents / 4000))),
    rampRate: num(values, 'ramp-rate', { min: 1 }),
    settleMs: num(values, 'settle', { min: 0, int: false }) * 1000,
    warmupS: num(values, 'warmup', { min: 0, int: false }),
    durationS,
    kills,
    killMode,
    killAtOnce: values['kill-at-once'],
    detectionDeadlineMs,
    nats: values.nats,
    coordinatorPid: values['coordinator-pid'] ? num(values, 'coordinator-pid', { min: 1 }) : undefined,
    natsPid: values['nats-pid'] ? num(values, 'nats-pid', { min: 1 }) : undefined,
    metricsUrl: values['metrics-url'],
    scrapeIntervalMs: num(values, 'scrape-interval', { min: 1, int: false }) * 1000,
    sourceAddresses: Array.from({ length: sourceAddresses }, (_, i) => `127.0.0.${i + 1}`),
    hostPrefix: values['host-prefix'],
    hostSuffix: values['host-suffix'],
    payload: values.payload,
    firstHeartbeat: values['first-heartbeat'],
    welcomeTimeoutMs: num(values, 'welcome-timeout', { min: 100 }),
    acceptTimeoutMs: num(values, 'accept-timeout', { min: 100 }),
    seed: num(values, 'seed', { min: 0 }),
    label: values.label ?? `n=${agents}`,
    jsonOut: values['json-out'],
  });
}
