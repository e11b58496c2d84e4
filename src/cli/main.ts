/**
 * The CLI entry: argv → command. The one place that turns errors into messages and exit codes.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { commands, globalOptions, groupSummaries, type CommandSpec, type OptionSpec } from './registry.js';
import { groupCommands, locateCommand, normalizeOptions } from './argv.js';
import { closestName } from '../document/suggest.js';
import { ExitCode, TierformError, UsageError } from './errors.js';
import { ignoreClosedPipes, type CliIO } from './io.js';
import { escapeText } from '../model/display.js';
import type { CommandContext } from './context.js';
import { parseInstant } from '../model/instant.js';
import { packageVersion } from './version.js';

const REPORT_URL = 'https://github.com/tierform/tierform/issues';
const TOP_USAGE = 'tierform <command> [options]  (tierform --help lists the commands)';

export async function main(argv: string[], io: CliIO): Promise<number> {
  ignoreClosedPipes(io);
  try {
    return await dispatch(argv, io);
  } catch (err) {
    return reportError(err, io);
  }
}

async function dispatch(argv: string[], io: CliIO): Promise<number> {
  const located = locateCommand(argv, commands, globalOptions);
  const { spec, words } = located;
  if (!spec) {
    if (words.length === 0) {
      if (located.version) {
        io.stdout.write(`tierform ${packageVersion()}\n`);
        return 0;
      }
      if (located.help || argv.length === 0) {
        io.stdout.write(generalHelp());
        return 0;
      }
      throw new UsageError('no command given', TOP_USAGE, 'usage.unknown-command');
    }
    const group = groupCommands(commands, words[0]!).length > 0 ? words[0]! : undefined;
    if (group !== undefined) {
      const names = groupCommands(commands, group).map((c) => c.name.slice(group.length + 1)).join(', ');
      if (located.help) {
        io.stdout.write(groupHelp(group));
        return 0;
      }
      const what = words.length === 1 ? `'${group}' needs a command` : `unknown command '${words.join(' ')}'`;
      throw new UsageError(`${what}; '${group}' has: ${names} (tierform ${group} --help)`, groupUsage(group), 'usage.unknown-command');
    }
    const guess = closestName(words[0]!, [...new Set(commands.map((c) => c.name.split(' ')[0]!))]);
    throw new UsageError(`unknown command '${words[0]}'${guess ? `; did you mean '${guess}'?` : ''}`, TOP_USAGE, 'usage.unknown-command');
  }
  if (located.help) {
    io.stdout.write(commandHelp(spec));
    return 0;
  }
  if (located.version) {
    io.stdout.write(`tierform ${packageVersion()}\n`);
    return 0;
  }
  const ctx = parseCommandArgs(spec, located.rest, io);
  const mod = await spec.load();
  return mod.run(ctx);
}

function parseCommandArgs(spec: CommandSpec, rest: string[], io: CliIO): CommandContext {
  const all: Record<string, OptionSpec> = { ...globalOptions, ...(spec.options ?? {}) };
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(all)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  const args = normalizeOptions(rest, all, spec.usage);
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch {
    // normalizeOptions has checked every option; this is a safety net that never shows the parser's text.
    throw new UsageError('the options could not be read', spec.usage, 'usage.unknown-option');
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

function reportError(err: unknown, io: CliIO): number {
  if (err instanceof ExitCode) return err.exitCode;
  if (err instanceof UsageError) {
    io.stderr.write(`error ${err.code}: ${escapeText(err.message)}\nusage: ${err.usage}\n`);
    return 1;
  }
  if (err instanceof TierformError) {
    io.stderr.write(`error ${err.code}: ${escapeText(err.message)}\n`);
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
  return `tierform — membership programs as code\n\nusage: tierform <command> [options]  (global options may stand anywhere on the line)\n\ncommands:\n${lines.join('\n')}\n\nglobal options:\n${optionLines(globalOptions)}\n\ntierform <group> --help (e.g. tierform members --help) lists a group's commands with examples.\n`;
}

function examplesBlock(spec: CommandSpec): string {
  return spec.examples && spec.examples.length > 0 ? `\nexamples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}\n` : '';
}

export function commandHelp(spec: CommandSpec): string {
  const own = spec.options && Object.keys(spec.options).length > 0 ? `\noptions:\n${optionLines(spec.options)}\n` : '';
  return `${spec.summary}\n\nusage: ${spec.usage}\n${own}${examplesBlock(spec)}\nglobal options:\n${optionLines(globalOptions)}\n`;
}

function groupUsage(group: string): string {
  return `tierform ${group} <${groupCommands(commands, group).map((c) => c.name.slice(group.length + 1)).join('|')}> [options]`;
}

/** `tierform members --help`: the group's commands, their usage, and examples. */
export function groupHelp(group: string): string {
  const members = groupCommands(commands, group);
  const width = Math.max(...members.map((c) => c.name.length - group.length - 1));
  const lines = members.map((c) => `  ${c.name.slice(group.length + 1).padEnd(width)}  ${c.summary}\n  ${' '.repeat(width)}  ${c.usage}`);
  const examples = members.flatMap((c) => c.examples ?? [c.usage]);
  const summary = groupSummaries[group] ? ` — ${groupSummaries[group]}` : '';
  return `tierform ${group}${summary}\n\nusage: ${groupUsage(group)}\n\ncommands:\n${lines.join('\n')}\n\nexamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n\ntierform ${group} <command> --help shows a command's options; global options may stand anywhere.\n`;
}
