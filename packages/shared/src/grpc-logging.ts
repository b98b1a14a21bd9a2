import { format } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from './logger.js';

/**
 * grpc-js writes its own diagnostics with `console.error` as plain text (`E 2026-… |
 * v1.14.7 4242 | subchannel | …`), which breaks a JSON log: a collector drops or mangles
 * those lines, and they are the ones that explain a connection problem. This routes them
 * through the program's pino logger, as `{part: "grpc-js", tracer, msg}` at pino's
 * matching level.
 *
 * Verbosity follows the logger's level (debug or trace → grpc DEBUG, info → INFO,
 * otherwise ERROR), unless GRPC_VERBOSITY / GRPC_NODE_VERBOSITY is set: an operator who
 * asks grpc-js for more gets it. Tracers (GRPC_TRACE) work as documented by grpc-js.
 */
export function routeGrpcLogs(logger: Logger): void {
  const log = logger.child({ part: 'grpc-js' });
  const emit = (level: 'error' | 'info' | 'debug') => (...args: unknown[]) => {
    const { tracer, text } = parseGrpcLine(format(...args));
    log[level](tracer ? { tracer } : {}, text);
  };
  grpc.setLogger({ error: emit('error'), info: emit('info'), debug: emit('debug') });
  if (process.env.GRPC_VERBOSITY === undefined && process.env.GRPC_NODE_VERBOSITY === undefined) {
    grpc.setLogVerbosity(verbosityFor(logger.level));
  }
}

function verbosityFor(level: string): grpc.logVerbosity {
  if (level === 'debug' || level === 'trace') return grpc.logVerbosity.DEBUG;
  if (level === 'info') return grpc.logVerbosity.INFO;
  return grpc.logVerbosity.ERROR;
}

/** `2026-…Z | v1.14.7 4242 | subchannel | text` (a tracer line) or any other text. */
export function parseGrpcLine(line: string): { tracer?: string; text: string } {
  const m = /^\d{4}-\d\d-\d\dT[\d:.]+Z \| v[\w.-]+ \d+ \| ([\w-]+) \| ([\s\S]*)$/.exec(line);
  return m ? { tracer: m[1]!, text: m[2]! } : { text: line };
}
