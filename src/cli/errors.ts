/** Expected failures carry a stable code; the CLI entry turns them into a message and exit 1. */
export class TierformError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'TierformError';
  }
}

export const usageErrorCodes = ['usage.invalid', 'usage.unknown-command', 'usage.unknown-option', 'usage.option-value'] as const;
export type UsageErrorCode = (typeof usageErrorCodes)[number];

/**
 * Wrong command-line words: printed with the code and the usage line. `usage.invalid` unless a
 * more precise code applies (`usage.unknown-command`, `usage.unknown-option`, `usage.option-value`).
 */
export class UsageError extends TierformError {
  constructor(message: string, readonly usage: string, code: UsageErrorCode = 'usage.invalid') {
    super(code, message);
    this.name = 'UsageError';
  }
}

/** A command that finished and wants a specific exit code without an error message. */
export class ExitCode extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'ExitCode';
  }
}
