/** `tierform import orders|members|purchases|points <file|->` (SPEC §4.5, §5.1): all-or-nothing, through COPY. */
import { escapeText, formatCount } from '../../model/display.js';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { progressFor } from '../progress.js';
import { lockTimeoutMsFromContext, openDbFromContext, printTarget } from '../../store/open.js';
import { runImport, type ImportKind, type ImportOutcome } from '../../import/pipeline.js';
import type { InputFormat } from '../../import/records.js';
import { ordersImport } from '../../import/orders.js';
import { membersImport } from '../../import/members.js';
import { purchasesImport } from '../../import/purchases.js';
import { pointsImport } from '../../import/points.js';

export function runOrders(ctx: CommandContext): Promise<number> {
  return runImportCommand(ctx, 'orders', ordersImport);
}

export function runMembers(ctx: CommandContext): Promise<number> {
  return runImportCommand(ctx, 'members', membersImport);
}

export function runPurchases(ctx: CommandContext): Promise<number> {
  return runImportCommand(ctx, 'purchases', purchasesImport(ctx.now));
}

export function runPoints(ctx: CommandContext): Promise<number> {
  return runImportCommand(ctx, 'points', pointsImport);
}

const usage = (what: string): string => `tierform import ${what} <file|-> [--input-format ndjson|csv] [--format text|json]`;

/** Runs one kind of import from the command line: reads the file or stdin, prints the summary. */
export async function runImportCommand<P>(ctx: CommandContext, what: string, kind: ImportKind<P>): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', usage(what));
  const [path, ...extra] = ctx.positionals;
  if (path === undefined || extra.length > 0) throw new UsageError(`import ${what} takes one file (or - for stdin)`, usage(what));
  const inputFormat = chooseInputFormat(stringOption(ctx, 'input-format'), path, usage(what));
  const lockTimeoutMs = lockTimeoutMsFromContext(ctx, usage(what));

  let input: AsyncIterable<Buffer | string>;
  let size: number | undefined;
  if (path === '-') {
    input = ctx.io.stdin;
  } else {
    const full = resolve(ctx.io.cwd, path);
    const info = await stat(full).catch(() => undefined);
    if (!info || !info.isFile()) throw new TierformError('import.file', `cannot read ${path}: no such file`);
    size = info.size;
    input = createReadStream(full, { highWaterMark: 1 << 20 });
  }

  const bar = progressFor(ctx);
  const db = await openDbFromContext(ctx, `import ${what}`);
  let outcome: ImportOutcome;
  try {
    printTarget(ctx, db);
    bar.start(size, `importing ${what}`, 'bytes');
    outcome = await runImport(db, kind, { input, format: inputFormat, onBytes: (n) => bar.update(n) }, { lockTimeoutMs });
  } finally {
    bar.done();
    await db.close();
  }

  if (format === 'json') {
    const body = outcome.ok
      ? { inserted: outcome.inserted, updated: outcome.updated, rejected: [] }
      : { inserted: 0, updated: 0, rejected: outcome.problems.map((p) => ({ line: p.line, ...(p.code ? { code: p.code } : {}), message: p.message })) };
    ctx.io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    ctx.io.stdout.write(outcome.ok ? renderSuccess(kind.noun, outcome) : renderRejected(outcome));
  }
  return outcome.ok ? 0 : 1;
}

function chooseInputFormat(option: string | undefined, path: string, usageLine: string): InputFormat {
  if (option !== undefined) {
    if (option !== 'ndjson' && option !== 'csv') throw new UsageError('--input-format must be ndjson or csv', usageLine);
    return option;
  }
  return path !== '-' && path.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson';
}

const n = formatCount;

function renderSuccess(noun: string, o: Extract<ImportOutcome, { ok: true }>): string {
  const notes = o.notes.length > 0 ? `; ${o.notes.join('; ')}` : '';
  const unchanged = o.unchanged > 0 ? `, ${n(o.unchanged)} unchanged` : '';
  return `Imported ${n(o.inserted + o.updated + o.unchanged)} ${noun}: ${n(o.inserted)} new, ${n(o.updated)} updated${unchanged}${notes}\n`;
}

function renderRejected(o: Extract<ImportOutcome, { ok: false }>): string {
  const count = o.problems.length + o.more;
  const lines = o.problems.map((p) => `line ${p.line}: ${p.code ? `${p.code}: ` : ''}${p.message}\n`).join('');
  const more = o.more > 0 ? `… and ${n(o.more)} more\n` : '';
  return `${lines}${more}Import failed: ${n(count)} invalid line${count === 1 ? '' : 's'}; nothing was written.\n`;
}
