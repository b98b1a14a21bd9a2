// Command-line options of the liveness benchmark, checked once: a bad value is an error
// naming the flag and the value.
export const MODES = Object.freeze(['baseline', 'message', 'ping-keepalive', 'ping-timer']);

export const HELP = `usage: node bench/liveness/liveness.mjs [options]
  --agents N[,N...]     connections per run (default 5000)
  --modes a,b,...       ${MODES.join(', ')} (default all)
  --warmup-s S          seconds after all are connected before measuring (default 10)
  --window-s S          measurement window in seconds (default 30)
  --per-client N        connections per client process (default 2500)
  --out FILE            write the results as JSON`;

export class OptionError extends Error {}

function positiveInt(flag, value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new OptionError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

export function parseOptions(argv) {
  const o = { agents: [5000], modes: [...MODES], warmupS: 10, windowS: 30, perClient: 2500, out: undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') {
      o.help = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new OptionError(`${flag} needs a value`);
    switch (flag) {
      case '--agents':
        o.agents = value.split(',').map((v) => positiveInt('--agents', v));
        break;
      case '--modes':
        o.modes = value.split(',');
        for (const m of o.modes) if (!MODES.includes(m)) throw new OptionError(`--modes: unknown mode ${JSON.stringify(m)} (known: ${MODES.join(', ')})`);
        break;
      case '--warmup-s':
        o.warmupS = positiveInt(flag, value);
        break;
      case '--window-s':
        o.windowS = positiveInt(flag, value);
        break;
      case '--per-client':
        o.perClient = positiveInt(flag, value);
        break;
      case '--out':
        o.out = value;
        break;
      default:
        throw new OptionError(`unknown option ${JSON.stringify(flag)}\n${HELP}`);
    }
  }
  return Object.freeze(o);
}
