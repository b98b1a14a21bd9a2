import { join } from 'node:path';
import type { BootInfo } from '../main.js';
import { cacheDirFromEnv } from './cache-dir.js';
import { loadProgram } from './code-cache.js';

/**
 * The agent's entry point (dist/vigil-agent.cjs, built from this file alone): loads the
 * program, the CommonJS bundle beside it, through the code cache (code-cache.ts), and runs
 * it. Node builtins only, so this part costs next to nothing to load.
 */
const program = loadProgram({ file: join(__dirname, 'vigil-agent-main.cjs'), cacheDir: cacheDirFromEnv(process.env), sourceMaps: process.sourceMapsEnabled });
const { main } = program.exports as { main: (argv: string[], boot: BootInfo) => Promise<void> };
void main(process.argv.slice(2), program);
