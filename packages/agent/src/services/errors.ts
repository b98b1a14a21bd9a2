import { VigilError } from '@vigil/shared';

/**
 * A service manager could not do what it was asked (systemctl exited non-zero, the program
 * could not be spawned). Carries the command and its output so the step's event says why.
 */
export class ServiceCommandError extends VigilError {
  readonly command: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(message: string, details: { command: readonly string[]; exitCode?: number | null; stderr?: string; cause?: unknown }) {
    super('UNAVAILABLE', message, { cause: details.cause });
    this.name = 'ServiceCommandError';
    this.command = details.command;
    this.exitCode = details.exitCode ?? null;
    this.stderr = details.stderr ?? '';
  }
}
