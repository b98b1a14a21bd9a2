// Command-line options of the liveness benchmark, checked once: a bad value is an error
// naming the flag and the value.
import { fail, parseBenchArgs, wholeNumber, wholeNumbers } from '../cli.mjs';

export const MODES = Object.freeze(['baseline', 'message', 'ping-keepalive', 'ping-timer', 'client-ping', 'udp']);

export const HELP = `usage: node bench/liveness/liveness.mjs [options]
  --agents N[,N...]     connections per run (default 5000)
  --modes a,b,...       ${MODES.join(', ')} (default all)
  --warmup-s S          seconds after all are connected before measuring (default 10)
  --window-s S          measurement window in seconds (default 30)
  --per-client N        connections per client process (default 2500)
  --out FILE            write the results as JSON`;

const NAME = 'bench/liveness';

/** The options, checked: a bad one is a line naming it and its value, exit 2. */
export function parseOptions(argv) {
  const v = parseBenchArgs(NAME, HELP, {
    agents: { type: 'string', default: '5000' },
    modes: { type: 'string', default: MODES.join(',') },
    'warmup-s': { type: 'string', default: '10' },
    'window-s': { type: 'string', default: '30' },
    'per-client': { type: 'string', default: '2500' },
    out: { type: 'string' },
  }, argv);
  const modes = v.modes.split(',');
  for (const m of modes) if (!MODES.includes(m)) fail(NAME, `--modes: unknown mode ${JSON.stringify(m)} (known: ${MODES.join(', ')})`);
  return Object.freeze({
    agents: wholeNumbers(NAME, 'agents', v.agents),
    modes,
    warmupS: wholeNumber(NAME, 'warmup-s', v['warmup-s']),
    windowS: wholeNumber(NAME, 'window-s', v['window-s']),
    perClient: wholeNumber(NAME, 'per-client', v['per-client']),
    out: v.out,
  });
}
