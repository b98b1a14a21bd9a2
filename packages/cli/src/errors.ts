import { EXIT, exitCodeOfStatus, type ExitCode } from './exit-codes.js';

/** A failure that ends the command with a message and a documented exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** Bad flags, arguments or config: exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.USAGE);
    this.name = 'UsageError';
  }
}

/** The coordinator answered with an error: its code and message, the exit code from the status. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${message} (HTTP ${status} ${code})`, exitCodeOfStatus(status));
    this.name = 'ApiError';
  }
}

/** The coordinator could not be reached or did not answer in time: exit 1. */
export class UnreachableError extends CliError {
  constructor(url: string, cause: unknown) {
    const why = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
    super(`cannot reach the coordinator at ${url}: ${why}`, EXIT.API, { cause });
    this.name = 'UnreachableError';
  }
}
