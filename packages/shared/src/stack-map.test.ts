import { transformSync } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mapStackFrames, mapStackOnCrash } from './stack-map.js';

/** A minified file and its map, made by esbuild as the release bundles are. */
function minified(): { code: string; map: ConstructorParameters<typeof SourceMap>[0] } {
  const source = ['export function parse(text: string): number {', '  const n = Number(text);', "  if (Number.isNaN(n)) throw new Error('not a number');", '  return n;', '}', ''].join('\n');
  const out = transformSync(source, { loader: 'ts', minify: true, sourcemap: 'external', sourcefile: 'packages/agent/src/parse.ts', format: 'esm' });
  return { code: out.code, map: JSON.parse(out.map) as ConstructorParameters<typeof SourceMap>[0] };
}

describe('stack map', () => {
  it('mapStackFrames - a frame in the bundle names the TypeScript file and line; others stay', () => {
    const { code, map } = minified();
    const col = code.indexOf('throw') + 1;
    const url = 'file:///usr/lib/vigil-agent/lib/vigil-agent-main.cjs';
    const stack = `Error: not a number\n    at parse (${url}:1:${col})\n    at node:internal/main:1:2\n    at /usr/lib/vigil-agent/lib/vigil-agent-main.cjs:1:${col}`;
    const mapped = mapStackFrames(stack, url, new SourceMap(map));
    const lines = mapped.split('\n');
    expect(lines[1]).toMatch(/^ {4}at parse \(packages\/agent\/src\/parse\.ts:3:\d+\)$/);
    expect(lines[2]).toBe('    at node:internal/main:1:2');
    expect(lines[3]).toMatch(/^ {4}at packages\/agent\/src\/parse\.ts:3:\d+$/);
  });

  it('mapStackFrames - a position the map does not cover is left as it is', () => {
    const stack = 'Error\n    at file:///x.mjs:1:1';
    expect(mapStackFrames(stack, 'file:///x.mjs', { findEntry: () => ({}) })).toBe(stack);
  });

  it('mapStackOnCrash - reads <file>.map only when asked, and leaves the stack alone without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-stackmap-'));
    try {
      const { code, map } = minified();
      const file = join(dir, 'bundle.mjs');
      writeFileSync(file, code);
      const url = pathToFileURL(file).href;
      const stack = `Error\n    at ${url}:1:${code.indexOf('throw') + 1}`;
      expect(mapStackOnCrash(stack, url)).toBe(stack); // no map yet
      writeFileSync(`${file}.map`, JSON.stringify(map));
      expect(mapStackOnCrash(stack, url)).toMatch(/at packages\/agent\/src\/parse\.ts:3:\d+$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
