/**
 * Reading the command line before parsing it: which words name the command, wherever the
 * options stand (`tierform --db URL status`, `tierform status --db URL`), and a check of every
 * option against the command's own so that mistakes read as tierform's usage errors, never as the
 * parser's text. Pure: no I/O.
 */
import type { CommandSpec, OptionSpec } from './registry.js';
import { UsageError } from './errors.js';
import { closestName } from '../document/suggest.js';

export interface LocatedCommand {
  /** The command's words found on the line; without a command, the first two positionals (a group, an unknown word). */
  words: string[];
  /** The command named, if any. */
  spec: CommandSpec | undefined;
  /** argv without the command words. */
  rest: string[];
  help: boolean;
  version: boolean;
}

/** Every option that takes a value, in any command: its value is never read as a command word. */
function valueOptionNames(commands: readonly CommandSpec[], globals: Record<string, OptionSpec>): Set<string> {
  const names = new Set<string>();
  for (const [name, o] of Object.entries(globals)) if (o.type === 'string') names.add(name);
  for (const c of commands) for (const [name, o] of Object.entries(c.options ?? {})) if (o.type === 'string') names.add(name);
  return names;
}

export function locateCommand(argv: readonly string[], commands: readonly CommandSpec[], globals: Record<string, OptionSpec>): LocatedCommand {
  const takesValue = valueOptionNames(commands, globals);
  const positions: number[] = [];
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i += 1) {
    const t = argv[i]!;
    if (t === '--') {
      for (let j = i + 1; j < argv.length; j += 1) positions.push(j);
      break;
    }
    if (t.startsWith('--')) {
      const name = t.slice(2).split('=')[0]!;
      if (name === 'help') help = true;
      if (name === 'version') version = true;
      if (!t.includes('=') && takesValue.has(name)) i += 1;
      continue;
    }
    if (t === '-h') help = true;
    else if (t === '-v') version = true;
    if (t.startsWith('-') && t.length > 1) continue;
    positions.push(i);
  }
  const positionals = positions.map((i) => argv[i]!);
  const two = positionals.slice(0, 2).join(' ');
  let spec = commands.find((c) => c.name === two);
  let consumed = 2;
  if (!spec) {
    spec = commands.find((c) => c.name === positionals[0]);
    consumed = 1;
  }
  const taken = new Set(spec ? positions.slice(0, consumed) : []);
  return {
    words: spec ? positionals.slice(0, consumed) : positionals.slice(0, 2),
    spec,
    rest: argv.filter((_, i) => !taken.has(i)),
    help,
    version,
  };
}

/** The commands of a group (`members` → `members show`, `members list`). */
export function groupCommands(commands: readonly CommandSpec[], group: string): CommandSpec[] {
  return commands.filter((c) => c.name.startsWith(`${group} `));
}

/**
 * Checks every option of `rest` against the command's options and the global ones, and returns
 * argv in the form the parser reads without ambiguity (`--name=value`, so a value may start with
 * a dash). Unknown names, missing values and values given to flags are usage errors.
 */
export function normalizeOptions(rest: readonly string[], options: Record<string, OptionSpec>, usage: string): string[] {
  const shorts = new Map(Object.entries(options).filter(([, o]) => o.short).map(([name, o]) => [o.short!, name]));
  const out: string[] = [];
  for (let i = 0; i < rest.length; i += 1) {
    const t = rest[i]!;
    if (t === '--') {
      out.push(...rest.slice(i));
      break;
    }
    if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      const name = eq < 0 ? t.slice(2) : t.slice(2, eq);
      const o = options[name];
      if (!o) throw unknownOption(`--${name}`, Object.keys(options), usage);
      if (o.type === 'boolean') {
        if (eq >= 0) throw new UsageError(`option --${name} takes no value (got '${t.slice(eq + 1)}')`, usage, 'usage.option-value');
        out.push(t);
        continue;
      }
      if (eq >= 0) {
        out.push(t);
        continue;
      }
      const value = rest[i + 1];
      if (value === undefined || value === '--' || /^--[a-z]/.test(value)) {
        throw new UsageError(`option --${name} needs a value${o.value ? ` (<${o.value}>)` : ''}`, usage, 'usage.option-value');
      }
      out.push(`--${name}=${value}`);
      i += 1;
      continue;
    }
    if (t.startsWith('-') && t.length > 1) {
      for (const ch of t.slice(1)) {
        if (!shorts.has(ch)) throw unknownOption(t, Object.keys(options), usage);
      }
    }
    out.push(t);
  }
  return out;
}

function unknownOption(option: string, known: string[], usage: string): UsageError {
  const guess = option.startsWith('--') ? closestName(option.slice(2), known) : undefined;
  return new UsageError(`unknown option '${option}'${guess ? `; did you mean '--${guess}'?` : ''}`, usage, 'usage.unknown-option');
}
