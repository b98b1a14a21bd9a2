import { createRequire } from 'node:module';
import { ConfigError, createLogger, exitAfterFlush, routeProcessLogs } from '@vigil/shared';
import { describeConfig, HELP, parseCli } from './cli.js';
import { startNotifier } from './notifier.js';

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** The vigil-notify command: exit 2 on bad config, 1 on other start failures, 0 after SIGTERM/SIGINT. */
export async function main(argv: string[]): Promise<void> {
  let cli;
  try {
    cli = parseCli(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`vigil-notify: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  switch (cli.kind) {
    case 'help':
      process.stdout.write(HELP);
      return;
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return;
    case 'check':
      process.stdout.write(describeConfig(cli.config));
      return;
    case 'run':
      break;
  }
  const logger = createLogger('vigil-notify', cli.config.logLevel);
  const exit = exitAfterFlush(logger);
  routeProcessLogs(logger, exit);
  let notifier;
  try {
    notifier = await startNotifier(cli.config, { logger });
  } catch (err) {
    logger.fatal({ err }, 'cannot start');
    exit(1);
    return;
  }
  if (notifier.port !== undefined) process.stdout.write(`${JSON.stringify({ metricsPort: notifier.port })}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    notifier.stop().then(
      () => exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
