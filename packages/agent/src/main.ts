import { ConfigError, createLogger, effectiveConfigJson, exitAfterFlush, routeGrpcLogs, routeProcessLogs, type Logger } from '@vigil/shared';
import { Agent } from './agent.js';
import { EXIT_CONFIG, parseCli } from './cli.js';
import type { CodeCacheSave, CodeCacheState } from './boot/code-cache.js';
import type { AgentConfig } from './config.js';
import { createCredentials } from './credentials.js';
import { createGrpcDialer } from './grpc-dialer.js';
import { probesPlugin } from './plugins/probes.js';
import { servicesPlugin } from './plugins/services.js';

/** What the entry point (boot/boot.ts) tells the program about how it was loaded. */
export interface BootInfo {
  readonly codeCache: CodeCacheState;
  saveCodeCache(): CodeCacheSave | undefined;
}

/**
 * The code cache is written once the agent has run this many sampling intervals: by then
 * it holds the functions a steady agent runs, not only those of the start.
 */
const CODE_CACHE_AFTER_INTERVALS = 3;

/**
 * The `vigil-agent` command. Exit status: 0 after a graceful stop (SIGTERM/SIGINT) or
 * --help/--version, 2 for bad configuration, 1 for anything unexpected. A missing
 * coordinator is never a reason to exit.
 */
export async function main(argv: string[], boot?: BootInfo): Promise<void> {
  const started: { logger?: Logger } = {};
  try {
    await run(argv, started, boot);
  } catch (err) {
    // The bin script does not await main; nothing may escape as an unhandled rejection.
    // Once the logger exists the log stays JSON to the last line.
    const logger = started.logger ?? createLogger('vigil-agent');
    logger.fatal({ err }, 'unexpected error');
    exitAfterFlush(logger)(1);
  }
}

/**
 * `--check`: the parse a start does, plus the TLS files read as a start reads them (an
 * unreadable or malformed PEM is exit 2 naming the option), then the effective config.
 * The agent's config holds paths, not secrets, so nothing needs masking.
 */
function check(config: AgentConfig): void {
  try {
    createCredentials(config.tls);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`vigil-agent: ${err.message}\n`);
    process.exitCode = EXIT_CONFIG;
    return;
  }
  process.stdout.write(effectiveConfigJson(config, []));
  process.exitCode = 0;
}

async function run(argv: string[], started: { logger?: Logger }, boot: BootInfo | undefined): Promise<void> {
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
    case 'check':
      return check(outcome.config);
    case 'write-code-cache':
      return writeCodeCacheNow(boot);
    case 'run':
      break;
  }

  const { config } = outcome;
  const logger = createLogger('vigil-agent', config.logLevel);
  started.logger = logger;
  const exit = exitAfterFlush(logger);
  // grpc-js's diagnostics, Node's warnings and a crash would otherwise be plain text
  // lines in a JSON log.
  routeGrpcLogs(logger);
  routeProcessLogs(logger, exit);
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
      // Found after the logger exists (the data dir cannot be made): a JSON line like
      // every other, whose message is the one-line error naming the field and value.
      logger.fatal(err.message);
      exit(EXIT_CONFIG);
      return;
    }
    logger.fatal({ err }, 'vigil-agent failed to start');
    exit(1);
    return;
  }

  if (boot !== undefined) keepCodeCache(boot, logger, CODE_CACHE_AFTER_INTERVALS * config.intervalMs);

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second signal means "now": skip the goodbye wait.
      logger.warn({ signal }, 'second signal; exiting at once');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    agent
      .stop('shutdown')
      .then(() => exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'error while stopping');
        exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * `--write-code-cache`: the cache of what loading the program compiled, written now. The
 * package runs it on install and upgrade, so even the first start of a new version finds a
 * cache: a start that parses the bundle may keep part of the parser's memory for its
 * lifetime (code-cache.ts). Functions first run later are compiled from source at each
 * start, a few at a time. Exit 0 when a cache is there for the next start, 2 when there is
 * no cache directory, 1 when it cannot be written.
 */
function writeCodeCacheNow(boot: BootInfo | undefined): void {
  const fail = (message: string, exitCode: number): void => {
    process.stderr.write(`vigil-agent: ${message}\n`);
    process.exitCode = exitCode;
  };
  if (boot === undefined) return fail('the code cache is written by the installed program only (dist/vigil-agent.cjs)', 1);
  const c = boot.codeCache;
  if (c.state === 'off') return fail(`no code cache: ${c.why}`, EXIT_CONFIG);
  if (c.state === 'accepted') {
    process.stdout.write(`code cache up to date: ${c.file}\n`);
    return;
  }
  const saved = boot.saveCodeCache();
  if (saved?.state === 'written') process.stdout.write(`code cache written: ${saved.file} (${saved.bytes} bytes)\n`);
  else fail(`cannot write the code cache ${saved?.file ?? c.file}: ${saved?.state === 'failed' ? saved.reason : 'nothing to save'}`, 1);
}

/**
 * Logs how this start was loaded, and saves a code cache for the next start when this one
 * had none that V8 took. A cache that cannot be written (read-only directory, full disk)
 * only costs the next start its speed, so that is a warning, once.
 */
function keepCodeCache(boot: BootInfo, logger: Logger, afterMs: number): void {
  const c = boot.codeCache;
  if (c.state === 'rejected') logger.info({ event: 'code_cache', ...c }, `code cache not used: ${c.reason}; the program was parsed`);
  else logger.debug({ event: 'code_cache', ...c }, `code cache: ${c.state}`);
  if (c.state === 'off' || c.state === 'accepted') return;
  setTimeout(() => {
    const saved = boot.saveCodeCache();
    if (saved?.state === 'written') logger.info({ event: 'code_cache_written', file: saved.file, bytes: saved.bytes, removed: saved.removed }, 'code cache written for the next start');
    else if (saved?.state === 'failed') logger.warn({ event: 'code_cache_failed', file: saved.file, reason: saved.reason }, `cannot write the code cache: ${saved.reason}`);
  }, afterMs).unref();
}
