import { ConfigError } from '@vigil/shared';
import { HELP, parseCli } from './cli.js';
import { startCoordinator } from './coordinator.js';
import { VERSION } from './version.js';

/** The vigil-coordinator command: exit 2 on bad config, 0 after a clean stop on SIGTERM/SIGINT. */
export async function main(argv: string[]): Promise<void> {
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
  let coordinator;
  try {
    coordinator = await startCoordinator(cli.config);
  } catch (err) {
    process.stderr.write(`vigil-coordinator: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`vigil-coordinator: ${signal}, stopping\n`);
    coordinator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`vigil-coordinator: error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
