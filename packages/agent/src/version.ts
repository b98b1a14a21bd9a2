import { readFileSync } from 'node:fs';

/**
 * The package version, read from package.json next to src/ and dist/ alike, so a release
 * only bumps one place.
 */
export const AGENT_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
