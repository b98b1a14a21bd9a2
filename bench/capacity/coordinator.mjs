// A real vigil-coordinator from the workspace build (the test kit's launcher), on ports it
// picks (ports.json), in a fresh data dir, so each fleet size starts from an empty store.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Coordinator, REPO_ROOT, waitFor } from '@vigil/testkit';

export { REPO_ROOT };

/** `nodeArgs` go to node itself (e.g. --cpu-prof), `extraArgs` to the coordinator. */
export async function startCoordinator({ natsUrl, dataDir, nodeArgs = [], extraArgs = [] }) {
  if (!existsSync(join(REPO_ROOT, 'packages/coordinator/dist/main.js'))) throw new Error('the coordinator is not built: run `pnpm exec tsc -b` first');
  mkdirSync(dataDir, { recursive: true });
  const coordinator = await Coordinator.start({ nats: natsUrl, dataDir, logLevel: 'warn', nodeArgs, extraArgs, cwd: dataDir, startTimeoutMs: 20_000 });
  const base = coordinator.baseUrl;
  // Ready once the outbox can publish: otherwise the first Hellos' events queue up.
  await waitFor(
    async () => {
      const h = await (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) })).json();
      return h.nats === 'connected' ? h : undefined;
    },
    { timeoutMs: 20_000, what: `${base}/healthz to report NATS connected`, intervalMs: 100 },
  );
  return { child: coordinator.child, grpc: coordinator.grpcTarget, metricsUrl: `${base}/metrics`, base };
}

/** The last lines the process wrote (stdout, then stderr), for a failed run's report. */
export function outputTail(child) {
  return `${child.stdout.text()}${child.stderr.text()}`.slice(-16_384);
}
