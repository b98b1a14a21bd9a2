import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '@vigil/shared';

/** A real pino logger whose JSON lines a test can read back. */
export function captureLog(level = 'info'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level }, sink) as unknown as Logger, lines };
}
