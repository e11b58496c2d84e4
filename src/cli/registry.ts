/**
 * The command table: names, usage and options of every command. It is the single source for
 * argument parsing, `--help` and the generated command reference. Command bodies are loaded
 * lazily so `validate` never loads a database driver.
 */
import type { CommandContext } from './context.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in help as the value placeholder. */
  value?: string;
}

export interface CommandSpec {
  /** One or two words: `validate`, `schedule list`. */
  name: string;
  summary: string;
  usage: string;
  options?: Record<string, OptionSpec>;
  load: () => Promise<{ run: (ctx: CommandContext) => Promise<number> }>;
}

export const globalOptions: Record<string, OptionSpec> = {
  db: { type: 'string', value: 'url', description: 'PostgreSQL connection string (else TIERFORM_DATABASE_URL, then DATABASE_URL; else the embedded database)' },
  'data-dir': { type: 'string', value: 'dir', description: 'embedded database location (default ./.tierform/db); wins over the environment' },
  now: { type: 'string', value: 'instant', description: 'the current instant, ISO 8601 with offset (default: the clock)' },
  'lock-timeout': { type: 'string', value: 'seconds', description: "how long to wait for a merchant's lock or the embedded database (default 10)" },
  format: { type: 'string', value: 'fmt', description: 'output format (per command)' },
  'no-color': { type: 'boolean', description: 'no colour in output (also NO_COLOR)' },
  'no-migrate': { type: 'boolean', description: 'refuse to run when the database schema is behind, instead of migrating it' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
  version: { type: 'boolean', short: 'v', description: 'print the version' },
};

export const commands: CommandSpec[] = [
  {
    name: 'validate',
    summary: 'validate program files offline (no database, no network)',
    usage: 'tierform validate [paths…] [--format text|json|github|sarif] [--catalog <file>]',
    options: {
      catalog: { type: 'string', value: 'file', description: 'the PlanCatalog to check caps against (default: the built-in one)' },
    },
    load: () => import('./commands/validate.js'),
  },
  {
    name: 'schema',
    summary: 'print a JSON Schema, for editors',
    usage: 'tierform schema [MembershipProgram|PlanCatalog]',
    load: () => import('./commands/schema.js'),
  },
];

export function findCommand(words: string[]): { spec: CommandSpec; consumed: number } | undefined {
  const two = words.slice(0, 2).join(' ');
  const byTwo = commands.find((c) => c.name === two);
  if (byTwo) return { spec: byTwo, consumed: 2 };
  const byOne = commands.find((c) => c.name === words[0]);
  return byOne ? { spec: byOne, consumed: 1 } : undefined;
}
