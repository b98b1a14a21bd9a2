import { ConfigError, createLogger, routeGrpcLogs } from '@vigil/shared';
import { Agent } from './agent.js';
import { EXIT_CONFIG, parseCli } from './cli.js';
import { createCredentials } from './credentials.js';
import { createGrpcDialer } from './grpc-dialer.js';
import { probesPlugin } from './plugins/probes.js';
import { servicesPlugin } from './plugins/services.js';

/**
 * The `vigil-agent` command. Exit status: 0 after a graceful stop (SIGTERM/SIGINT) or
 * --help/--version, 2 for bad configuration, 1 for anything unexpected. A missing
 * coordinator is never a reason to exit.
 */
export async function main(argv: string[]): Promise<void> {
  try {
    await run(argv);
  } catch (err) {
    // The bin script does not await main; nothing may escape as an unhandled rejection.
    process.stderr.write(`vigil-agent: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  }
}

async function run(argv: string[]): Promise<void> {
  const outcome = parseCli(argv);
  switch (outcome.type) {
    case 'print':
      process.stdout.write(outcome.text);
      process.exitCode = outcome.exitCode;
      return;
    case 'fail':
      process.stderr.write(`vigil-agent: ${outcome.message}\n`);
      process.exitCode = outcome.exitCode;
      return;
    case 'run':
      break;
  }

  const { config } = outcome;
  const logger = createLogger('vigil-agent', config.logLevel);
  // grpc-js's own diagnostics would otherwise be plain text lines in a JSON log.
  routeGrpcLogs(logger);
  // Timers on the shared clock are unref'd; this handle keeps the process alive while the
  // agent waits out a backoff with no socket open.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let agent: Agent;
  try {
    agent = new Agent({ config, logger, dialer: createGrpcDialer(createCredentials(config.tls)), plugins: [probesPlugin(), servicesPlugin(config)] });
    await agent.start();
  } catch (err) {
    clearInterval(keepAlive);
    if (err instanceof ConfigError) {
      process.stderr.write(`vigil-agent: ${err.message}\n`);
      exitAfterFlush(logger, EXIT_CONFIG);
      return;
    }
    logger.fatal({ err }, 'vigil-agent failed to start');
    exitAfterFlush(logger, 1);
    return;
  }

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second signal means "now": skip the goodbye wait.
      logger.warn({ signal }, 'second signal; exiting at once');
      exitAfterFlush(logger, 1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    agent
      .stop('shutdown')
      .then(() => exitAfterFlush(logger, 0))
      .catch((err: unknown) => {
        logger.error({ err }, 'error while stopping');
        exitAfterFlush(logger, 1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** pino writes asynchronously; flush so the last lines are not lost on exit. */
function exitAfterFlush(logger: ReturnType<typeof createLogger>, code: number): void {
  let done = false;
  const exit = (): void => {
    if (done) return;
    done = true;
    process.exit(code);
  };
  logger.flush(() => exit());
  // Never let a stuck log destination hold the exit.
  setTimeout(exit, 500).unref();
}
