// Bundles the built agent (packages/agent/dist, from `tsc -b`) and its dependencies into
// one minified file, packages/agent/dist/vigil-agent.mjs, which bin/vigil-agent runs.
//
// Why: the agent runs on every host, so its resident memory matters. Loaded as hundreds of
// separate modules, Node keeps each module's full source text, its line-end table and a
// module record; one minified file holds the same code in about a quarter of the space
// (5 MB less V8 heap, see bench/agent-footprint/README.md). The coordinator is not bundled.
//
// The bundle sits at the same depth as packages/*/dist/*.js, so the paths the code builds
// from import.meta.url (../../../proto/, ../package.json) resolve as they do unbundled.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { NODE_BUNDLE_OPTIONS } from './package/node-bundle.mjs';

const agentDir = fileURLToPath(new URL('../packages/agent/', import.meta.url));

await build({
  stdin: {
    contents: "import { main } from './dist/main.js';\nmain(process.argv.slice(2));\n",
    resolveDir: agentDir,
    sourcefile: 'vigil-agent-entry.js',
    loader: 'js',
  },
  outfile: `${agentDir}dist/vigil-agent.mjs`,
  ...NODE_BUNDLE_OPTIONS,
  logLevel: 'warning',
});
