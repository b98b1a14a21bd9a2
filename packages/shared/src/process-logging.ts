import type { Logger } from './logger.js';
import { mapStackOnCrash } from './stack-map.js';

/**
 * Once a program has its JSON logger, nothing it prints on its own may be plain text: a
 * log collector drops or mangles such lines, and they are the ones that explain a crash.
 * Node prints two kinds by itself, and this routes both through `logger`:
 *
 * - process warnings (`(node:42) Warning: …`, deprecations, MaxListenersExceededWarning)
 *   become `warn` lines with `part: "node"`, the warning's name and code;
 * - an uncaught exception or unhandled rejection becomes one `fatal` line with the error,
 *   then the process exits 1 after the log is flushed, as Node would have (without the log).
 *
 * Output that is meant for people (--help, --version, a configuration error before the
 * logger exists) is printed before this is called and stays plain.
 */
export function routeProcessLogs(logger: Logger, exit: (code: number) => void = exitAfterFlush(logger)): void {
  const log = logger.child({ part: 'node' });
  // Node's own printer is the only 'warning' listener at start; removing it is the
  // documented alternative to --no-warnings, which a bin shim cannot pass.
  process.removeAllListeners('warning');
  process.on('warning', (w: Error & { code?: string }) => {
    log.warn({ warning: w.name, ...(w.code ? { code: w.code } : {}) }, w.message);
  });
  let dying = false;
  const die = (kind: string) => (err: unknown) => {
    // A second failure while the first is being logged must not print a second, plain stack.
    if (dying) return;
    dying = true;
    // A release bundle's frames are minified positions; name the TypeScript lines instead.
    if (err instanceof Error && err.stack) err.stack = mapStackOnCrash(err.stack);
    log.fatal({ err }, kind);
    exit(1);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled promise rejection'));
}

/**
 * Exits with `code` once pino has written what it holds (it writes asynchronously), or
 * after `graceMs` at the latest, so a stuck log destination never holds the exit.
 */
export function exitAfterFlush(logger: Logger, graceMs = 500): (code: number) => void {
  return (code) => {
    let done = false;
    const exit = (): void => {
      if (done) return;
      done = true;
      process.exit(code);
    };
    logger.flush(() => exit());
    setTimeout(exit, graceMs).unref();
  };
}
