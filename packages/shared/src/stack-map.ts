import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The part of node:module's SourceMap this needs (zero-based lines and columns). */
export interface PositionMap {
  findEntry(line: number, column: number): { originalSource?: string; originalLine?: number; originalColumn?: number };
}

/**
 * Rewrites the frames of `stack` that point into the file at `fileUrl` (`…:LINE:COLUMN`,
 * one-based as V8 prints them) to their original source positions, and leaves every other
 * line as it is. Pure, so it is tested without a crash.
 */
export function mapStackFrames(stack: string, fileUrl: string, map: PositionMap): string {
  const escaped = [fileUrl, fileURLToPath(fileUrl)].map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return stack.replace(new RegExp(`(?:${escaped}):(\\d+):(\\d+)`, 'g'), (frame, line: string, column: string) => {
    const e = map.findEntry(Number(line) - 1, Number(column) - 1);
    if (e.originalSource === undefined || e.originalLine === undefined) return frame;
    return `${e.originalSource}:${e.originalLine + 1}:${(e.originalColumn ?? 0) + 1}`;
  });
}

/**
 * For a crash of a release bundle run without --enable-source-maps (the agent's default:
 * Node would parse and keep the whole map at start, +23 MB resident): maps the stack's
 * frames in this bundle through `<bundle>.map`, read only now. Anything that goes wrong
 * (no map beside the file, as when running from dist/) leaves the stack as it was.
 */
export function mapStackOnCrash(stack: string, fileUrl: string = import.meta.url): string {
  if (process.sourceMapsEnabled) return stack;
  try {
    const payload = JSON.parse(readFileSync(`${fileURLToPath(fileUrl)}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0];
    return mapStackFrames(stack, fileUrl, new SourceMap(payload));
  } catch {
    return stack;
  }
}
