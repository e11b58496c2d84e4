import type { CliIO } from './io.js';

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** What a command receives: parsed words, the outside world, and the instant it runs at. */
export interface CommandContext {
  io: CliIO;
  options: OptionValues;
  positionals: string[];
  /** The instant the command runs at: `--now`, else the clock, read once at the CLI layer. */
  now: Date;
  color: boolean;
}

export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(ctx: CommandContext, name: string): boolean {
  return ctx.options[name] === true;
}
