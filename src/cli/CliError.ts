/**
 * An error either CLI reports itself (not one from the engine or the relay): a stable code for
 * `--json`, the exit code from exitCodes.ts, and a message that says what to do.
 */
import { EXIT, type ExitCode } from './exitCodes.ts';

export class CliError extends Error {
  constructor(
    readonly code: string,
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad command line: unknown command or option, missing argument. */
export class UsageError extends CliError {
  constructor(message: string) {
    super('USAGE', EXIT.usage, message);
  }
}
