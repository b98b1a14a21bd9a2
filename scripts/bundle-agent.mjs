// Bundles the built agent (packages/agent/dist, from `tsc -b`) and its dependencies into
// packages/agent/dist/vigil-agent-main.cjs, one minified file, and its entry point into
// dist/vigil-agent.cjs, which bin/vigil-agent runs (scripts/package/agent-bundles.mjs).
//
// Why one file: the agent runs on every host, so its resident memory matters. Loaded as
// hundreds of separate modules, Node keeps each module's full source text, its line-end
// table and a module record; one minified file holds the same code in about a quarter of
// the space (5 MB less V8 heap, see bench/agent-footprint/README.md). The coordinator is
// not bundled.
//
// The bundles sit at the same depth as packages/*/dist/*.js, so the paths the code builds
// from import.meta.url (../../../proto/, ../package.json) resolve as they do unbundled.
//
// Then the launcher writes V8's code cache of the new program into dist/code-cache, as the
// package's postinst does on a host: even the first start of a new build finds one.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { buildAgentBundles } from './package/agent-bundles.mjs';

const agentDir = fileURLToPath(new URL('../packages/agent/', import.meta.url));
// The ESM bundle of earlier builds: nothing runs it any more.
rmSync(`${agentDir}dist/vigil-agent.mjs`, { force: true });
await buildAgentBundles({ pkgDir: agentDir, outDir: `${agentDir}dist` });
// The launcher's own cache directory (dist/code-cache) and flags, so the key is a start's.
const env = { ...process.env };
delete env.VIGIL_AGENT_CACHE_DIR;
delete env.VIGIL_AGENT_NODE_FLAGS;
execFileSync(`${agentDir}bin/vigil-agent`, ['--write-code-cache'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
