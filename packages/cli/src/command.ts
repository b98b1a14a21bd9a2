import type { ApiClient } from './client.js';
import type { Config } from './config.js';
import type { Palette } from './output/color.js';

/** A flag of a command, in node:util parseArgs' terms plus what help and completion show. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown in help: `--host HOST`. */
  value?: string;
  description: string;
  /** Values offered by shell completion. */
  choices?: readonly string[];
}

/** Where a command writes and what it knows; side effects go through here so main owns the process. */
export interface Context {
  /** Built on first use: `completion` and `--help` need no config. */
  client(): ApiClient;
  config(): Config;
  out: {
    json: boolean;
    colour: Palette;
    write(text: string): void;
    /** Errors and progress for people; never part of the answer. */
    note(text: string): void;
  };
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM: long-running commands end cleanly. */
  signal: AbortSignal;
  now(): number;
}

export interface Parsed {
  positionals: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
}

/** One command: one file in commands/, one line in commands/index.ts. */
export interface Command {
  /** One or two words: `hosts`, `silence add`. */
  name: string;
  /** `ID`, `HOST SERVICE`: the positional arguments as help shows them. */
  args?: string;
  /** How many positional arguments it takes. */
  positionals?: { min: number; max: number };
  summary: string;
  /** More lines for --help. */
  details?: string;
  options?: Record<string, OptionSpec>;
  /** What completion offers for the first positional argument. */
  completeWith?: 'hosts' | 'incidents' | 'silences';
  run(ctx: Context, input: Parsed): Promise<number | void>;
}
