// The esbuild options every Vigil bundle shares (the agent's dev bundle and the release
// bundles), so the two cannot drift apart.
import { zodEnglishOnly } from './zod-english-only.mjs';

export const NODE_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  // ASCII only: a single non-Latin-1 character would make V8 store the whole source as
  // two bytes per character.
  charset: 'ascii',
  legalComments: 'external',
  // CommonJS dependencies (grpc-js, protobufjs, systeminformation) call require().
  banner: { js: "import { createRequire as __vigilCreateRequire } from 'node:module'; const require = __vigilCreateRequire(import.meta.url);" },
  plugins: [zodEnglishOnly],
};
