import { createProbeRunner, probeInputFromWire, probeResultToWire, type ProbeRunner, type ProbeRunnerOptions } from '@vigil/shared';
import type { AgentContext, AgentPlugin } from '../plugin.js';

/**
 * Lets the coordinator ask this agent to check another host (ping, SSH banner, DNS, TCP,
 * HTTP) from where it stands. Only those fixed probe kinds exist: the request names a
 * kind and a target, never a command. Concurrency and rate are bounded by the runner;
 * a refused request is answered with the reason, never dropped.
 */
export function probesPlugin(options: ProbeRunnerOptions = {}): AgentPlugin {
  let runner: ProbeRunner | undefined;
  return {
    name: 'probes',
    start() {
      runner = createProbeRunner(options);
    },
    stop() {
      runner?.close();
      runner = undefined;
    },
    hello: () => ({ capabilities: ['probes'] }),
    requests: {
      probe(request, ctx: AgentContext) {
        const r = runner;
        if (!r) return;
        void r.run(probeInputFromWire(request)).then((result) => {
          if (!ctx.send({ probeResult: probeResultToWire(result) })) {
            ctx.logger.warn({ request: request.requestId }, 'probe answered but the stream is gone or backed up');
          }
        });
      },
    },
  };
}
