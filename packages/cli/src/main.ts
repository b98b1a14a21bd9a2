import { parseArgs } from 'node:util';
import { ApiClient } from './client.js';
import type { Command, Context, Parsed } from './command.js';
import { COMMANDS, LISTED } from './commands/index.js';
import { loadConfig, type Config } from './config.js';
import { CliError, UsageError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { GLOBAL_OPTIONS } from './globals.js';
import { commandHelp, mainHelp } from './help.js';
import { COLOURS, PLAIN, useColour } from './output/color.js';

export interface MainIO {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
}

/** The command a command line names: two-word names (`silence add`) before one-word ones. */
export function findCommand(argv: readonly string[], commands: readonly Command[] = COMMANDS): { command: Command; rest: string[] } | undefined {
  const two = argv.length >= 2 ? `${argv[0]} ${argv[1]}` : undefined;
  const byTwo = two ? commands.find((c) => c.name === two) : undefined;
  if (byTwo) return { command: byTwo, rest: argv.slice(2) };
  const byOne = commands.find((c) => c.name === argv[0]);
  return byOne ? { command: byOne, rest: argv.slice(1) } : undefined;
}

function parse(command: Command, argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${command.name}: ${(err as Error).message}`);
  }
  const { min, max } = command.positionals ?? { min: 0, max: 0 };
  const n = parsed.positionals.length;
  if (!parsed.values.help && (n < min || n > max)) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new UsageError(`${command.name}: takes ${want} argument${max === 1 ? '' : 's'}${command.args ? ` (${command.args})` : ''}, got ${n}${n > 0 ? `: ${parsed.positionals.map((p) => JSON.stringify(p)).join(' ')}` : ''}`);
  }
  return { positionals: parsed.positionals, flags: parsed.values as Parsed['flags'] };
}

/** Runs one command line and returns the exit code (see exit-codes.ts); never throws. */
export async function main(argv: string[], io: MainIO = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      const named = argv[0] === 'help' && argv.length > 1 ? findCommand(argv.slice(1)) : undefined;
      io.stdout.write(named ? commandHelp(named.command) : mainHelp(LISTED));
      return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
    }
    if (argv[0] === '--version') {
      io.stdout.write(`vigil ${VERSION}\n`);
      return EXIT.OK;
    }
    const found = findCommand(argv);
    if (!found) {
      const group = LISTED.filter((c) => c.name.startsWith(`${argv[0]} `)).map((c) => c.name);
      if (group.length > 0) throw new UsageError(`${argv[0]}: name one of: ${group.join(', ')}${argv[1] !== undefined && !argv[1].startsWith('-') ? ` (got ${JSON.stringify(argv[1])})` : ''}`);
      throw new UsageError(`unknown command ${JSON.stringify(argv[0])}; \`vigil --help\` lists the commands`);
    }
    const { command, rest } = found;
    const input = parse(command, rest);
    if (input.flags.help) {
      io.stdout.write(commandHelp(command));
      return EXIT.OK;
    }
    const flags = input.flags as Record<string, string | undefined>;
    // Validated before anything runs, so a bad setting fails the same way for every
    // command; `completion` never talks to the API and needs none.
    const config: Config | undefined =
      command.name === 'completion' ? undefined : await loadConfig({ flags: { url: flags.url, token: flags.token, output: flags.output, timeout: flags.timeout, config: flags.config }, env: io.env });
    const getConfig = (): Config => {
      if (!config) throw new Error(`${command.name} has no config`);
      return config;
    };
    const json = config?.output === 'json';
    let client: ApiClient | undefined;
    const ctx: Context = {
      config: getConfig,
      client: () => (client ??= new ApiClient(getConfig().url, getConfig().token, getConfig().timeoutMs)),
      out: {
        json,
        colour: useColour({ isTTY: io.stdout.isTTY === true, env: io.env, noColorFlag: input.flags['no-color'] === true, json }) ? COLOURS : PLAIN,
        write: (s) => void io.stdout.write(s),
        note: (s) => void io.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
      },
      env: io.env,
      signal: controller.signal,
      now: Date.now,
    };
    return (await command.run(ctx, input)) ?? EXIT.OK;
  } catch (err) {
    if (controller.signal.aborted) {
      io.stderr.write('vigil: interrupted\n');
      return EXIT.INTERRUPTED;
    }
    if (err instanceof CliError) {
      io.stderr.write(`vigil: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`vigil: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.API;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export const VERSION = '0.1.0';
