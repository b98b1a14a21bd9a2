// An esbuild plugin shared by the repository's agent bundle (scripts/bundle-agent.mjs) and
// the release bundles (scripts/package.mjs).
import { dirname, join } from 'node:path';

/**
 * zod re-exports every translation of its error messages (`z.locales`, ~260 kB of code
 * minified); Vigil's messages are English, which zod configures itself from en.js.
 * Its locales index is replaced with one that exports `en` only.
 */
export const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir) ? { path: join(dirname(args.resolveDir), 'locales', 'index.js'), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};
