// A real vigil-coordinator from the workspace build, on ports it picks (ports.json), in a
// fresh data dir, so each fleet size starts from an empty store.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child, waitFor } from './processes.mjs';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO_ROOT, 'packages/coordinator/bin/vigil-coordinator.js');

/** `nodeArgs` go to node itself (e.g. --cpu-prof), `extraArgs` to the coordinator. */
export async function startCoordinator({ natsUrl, dataDir, nodeArgs = [], extraArgs = [] }) {
  if (!existsSync(join(REPO_ROOT, 'packages/coordinator/dist/main.js'))) throw new Error('the coordinator is not built: run `pnpm exec tsc -b` first');
  mkdirSync(dataDir, { recursive: true });
  const args = [...nodeArgs, BIN, '--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0', '--nats', natsUrl, '--data-dir', dataDir, '--log-level', 'warn', ...extraArgs];
  const child = new Child('vigil-coordinator', process.execPath, args, { cwd: dataDir });
  const portsFile = join(dataDir, 'ports.json');
  const ports = await waitFor(
    () => {
      if (!child.running) throw Object.assign(new Error(`vigil-coordinator exited: ${child.tail}`), { fatal: true });
      if (!existsSync(portsFile)) return undefined;
      return JSON.parse(readFileSync(portsFile, 'utf8'));
    },
    { timeoutMs: 20_000, what: `${portsFile}` },
  );
  const base = `http://127.0.0.1:${ports.http}`;
  // Ready once the outbox can publish: otherwise the first Hellos' events queue up.
  await waitFor(
    async () => {
      const h = await (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) })).json();
      return h.nats === 'connected' ? h : undefined;
    },
    { timeoutMs: 20_000, what: `${base}/healthz to report NATS connected` },
  );
  return { child, grpc: `127.0.0.1:${ports.grpc}`, metricsUrl: `${base}/metrics`, base };
}
