/**
 * The CLI entry: argv → command. The one place that turns errors into messages and exit codes.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { commands, findCommand, globalOptions, type CommandSpec, type OptionSpec } from './registry.js';
import { ExitCode, TierformError, UsageError } from './errors.js';
import type { CliIO } from './io.js';
import type { CommandContext } from './context.js';
import { parseInstant } from '../model/instant.js';
import { packageVersion } from './version.js';

const REPORT_URL = 'https://github.com/tierform/tierform/issues';

export async function main(argv: string[], io: CliIO): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    return reportError(err, io);
  }
}

async function dispatch(argv: string[], io: CliIO): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  if (argv.includes('--version') || argv.includes('-v')) {
    io.stdout.write(`tierform ${packageVersion()}\n`);
    return 0;
  }
  const found = words.length > 0 && argv[0] && !argv[0].startsWith('-') ? findCommand(argv) : undefined;
  if (!found) {
    if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
      io.stdout.write(generalHelp());
      return 0;
    }
    throw new UsageError(`unknown command '${words.slice(0, 2).join(' ')}'`, 'tierform <command> [options]  (tierform --help lists the commands)');
  }
  const { spec, consumed } = found;
  const rest = argv.slice(consumed);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(commandHelp(spec));
    return 0;
  }
  const ctx = parseCommandArgs(spec, rest, io);
  const mod = await spec.load();
  return mod.run(ctx);
}

function parseCommandArgs(spec: CommandSpec, rest: string[], io: CliIO): CommandContext {
  const all: Record<string, OptionSpec> = { ...globalOptions, ...(spec.options ?? {}) };
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(all)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: negativeValuesJoined(rest, all), options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0]! : String(err), spec.usage);
  }
  const values = parsed.values as CommandContext['options'];
  const nowText = typeof values.now === 'string' ? values.now : undefined;
  let now: Date;
  if (nowText === undefined) {
    now = new Date();
  } else {
    const p = parseInstant(nowText);
    if (!p) throw new UsageError(`--now must be an ISO 8601 instant with offset, e.g. 2026-12-01T03:00:00+08:00 (got '${nowText}')`, spec.usage);
    now = p;
  }
  const color = !values['no-color'] && !io.env.NO_COLOR && io.stdout.isTTY === true;
  return { io, options: values, positionals: parsed.positionals, now, color };
}

/**
 * `--lock-timeout -1`: node's parser takes `-1` for an option and says "argument is ambiguous";
 * joined as `--lock-timeout=-1` the command's own range check answers.
 */
function negativeValuesJoined(args: string[], opts: Record<string, OptionSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const a = args[i]!;
    const next = args[i + 1];
    if (a.startsWith('--') && !a.includes('=') && opts[a.slice(2)]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`);
      i += 1;
    } else {
      out.push(a);
    }
  }
  return out;
}

function reportError(err: unknown, io: CliIO): number {
  if (err instanceof ExitCode) return err.exitCode;
  if (err instanceof UsageError) {
    io.stderr.write(`error: ${err.message}\nusage: ${err.usage}\n`);
    return 1;
  }
  if (err instanceof TierformError) {
    io.stderr.write(`error ${err.code}: ${err.message}\n`);
    return err.exitCode;
  }
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  io.stderr.write(`internal error: this is a bug in tierform. Please report it at ${REPORT_URL} with this output:\n${detail}\n`);
  return 1;
}

function optionLines(opts: Record<string, OptionSpec>): string {
  return Object.entries(opts)
    .map(([name, o]) => {
      const left = `  ${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` <${o.value}>` : ''}`;
      return `${left.padEnd(30)} ${o.description}`;
    })
    .join('\n');
}

export function generalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `tierform — membership programs as code\n\nusage: tierform <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nglobal options:\n${optionLines(globalOptions)}\n`;
}

export function commandHelp(spec: CommandSpec): string {
  const own = spec.options && Object.keys(spec.options).length > 0 ? `\noptions:\n${optionLines(spec.options)}\n` : '';
  return `${spec.summary}\n\nusage: ${spec.usage}\n${own}\nglobal options:\n${optionLines(globalOptions)}\n`;
}
