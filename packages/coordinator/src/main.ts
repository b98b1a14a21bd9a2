import { ConfigError, createLogger, effectiveConfigJson, exitAfterFlush, routeProcessLogs } from '@vigil/shared';
import { HELP, parseCli } from './cli.js';
import { startCoordinator } from './coordinator.js';
import { VERSION } from './version.js';
import { hashToken } from './http/auth.js';
import { StoreIntegrityError } from './store/store-integrity.js';

/** `vigil-coordinator hash-token`: reads a token on stdin, prints the hash for the config. */
async function hashTokenCommand(): Promise<void> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  const token = text.split('\n')[0]!.trim();
  if (token.length < 16) {
    process.stderr.write('vigil-coordinator hash-token: give a token of at least 16 characters on standard input\n');
    process.exit(2);
  }
  process.stdout.write(`${hashToken(token)}\n`);
}

/** Config keys whose values `--check` never prints. */
const SECRET_KEYS = ['sha256'];

/**
 * The vigil-coordinator command: exit 2 on bad config or a damaged store file (the operator
 * must act), 1 on other start failures, 0 after a clean stop on SIGTERM/SIGINT.
 */
export async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'hash-token') return hashTokenCommand();
  let cli;
  try {
    cli = parseCli(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`vigil-coordinator: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (cli.kind === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (cli.kind === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (cli.kind === 'check') {
    process.stdout.write(effectiveConfigJson(cli.config, SECRET_KEYS));
    return;
  }
  // From here on every line is JSON: the logger exists, and Node's own warnings and a
  // crash go through it too.
  const logger = createLogger('vigil-coordinator', cli.config.logLevel);
  const exit = exitAfterFlush(logger);
  routeProcessLogs(logger, exit);
  let coordinator;
  try {
    coordinator = await startCoordinator(cli.config, { logger });
  } catch (err) {
    if (err instanceof StoreIntegrityError) {
      logger.fatal({ file: err.file, problem: err.problem }, err.message);
      exit(2);
      return;
    }
    logger.fatal({ err }, 'cannot start');
    exit(1);
    return;
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    coordinator.stop().then(
      () => {
        logger.info({ signal }, 'stopped');
        exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
