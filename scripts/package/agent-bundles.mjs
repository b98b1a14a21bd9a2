// The agent's two bundles, shared by the dev build (scripts/bundle-agent.mjs) and the release
// build (scripts/package.mjs), so the two cannot drift apart:
//
//   vigil-agent.cjs        the entry point (packages/agent/src/boot/): Node builtins only
//   vigil-agent-main.cjs   the program and its dependencies, exporting main()
//
// CommonJS rather than ESM because V8's code cache can only be given to a script
// (node:vm's Script), and the entry loads the program through it
// (packages/agent/src/boot/code-cache.ts). A CommonJS program has no import.meta, so the
// code's import.meta.url becomes the bundle's own file URL.
import { build } from 'esbuild';
import { join } from 'node:path';
import { NODE_BUNDLE_OPTIONS } from './node-bundle.mjs';

export const AGENT_ENTRY = 'vigil-agent.cjs';
export const AGENT_PROGRAM = 'vigil-agent-main.cjs';

const CJS_OPTIONS = {
  ...NODE_BUNDLE_OPTIONS,
  format: 'cjs',
  banner: { js: "var __vigilImportMetaUrl=require('node:url').pathToFileURL(__filename).href;" },
};

/**
 * @param {object} o
 * @param {string} o.pkgDir   packages/agent/, built by tsc (dist/main.js, dist/boot/boot.js)
 * @param {string} o.outDir   where both bundles go
 * @param {Record<string, string>} [o.define]  more esbuild defines for the program
 * @param {object} [o.programOptions]  more esbuild options for the program (source maps)
 */
export async function buildAgentBundles({ pkgDir, outDir, define = {}, programOptions = {} }) {
  await build({
    stdin: { contents: "export { main } from './dist/main.js';\n", resolveDir: pkgDir, sourcefile: 'vigil-agent-main.js', loader: 'js' },
    outfile: join(outDir, AGENT_PROGRAM),
    ...CJS_OPTIONS,
    define: { 'import.meta.url': '__vigilImportMetaUrl', ...define },
    ...programOptions,
    logLevel: 'warning',
  });
  await build({
    entryPoints: [join(pkgDir, 'dist/boot/boot.js')],
    outfile: join(outDir, AGENT_ENTRY),
    ...NODE_BUNDLE_OPTIONS,
    format: 'cjs',
    banner: {},
    logLevel: 'warning',
  });
}
