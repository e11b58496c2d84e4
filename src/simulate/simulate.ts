/**
 * `simulate`: the proposed programs and the active ones replayed side by side over the stored
 * history (docs/guide/simulate.md). Reads the live state, writes nothing: each side runs on its
 * own scratch copy inside a transaction that is rolled back.
 */
import type { Db } from '../store/db.js';
import type { MembershipProgram } from '../generated/types.js';
import type { ValidationResult } from '../document/validateFiles.js';
import { validateFiles } from '../document/validateFiles.js';
import { getLiveCatalog } from '../store/catalogStore.js';
import { TierformError } from '../cli/errors.js';
import { localDateOf, type LocalDate } from '../model/localDate.js';
import { replaySide, type SideResult } from './replay.js';

export interface SimulateOptions {
  cwd: string;
  now: Date;
  from: LocalDate;
  to: LocalDate;
  merchant?: string;
  onProgress?: (merchant: string, side: 'current' | 'proposed', done: number, total: number) => void;
}

export interface MerchantSimulation {
  merchant: string;
  currency: string;
  current: SideResult;
  proposed: SideResult;
}

export interface Simulation {
  formatVersion: 1;
  from: LocalDate;
  to: LocalDate;
  merchants: MerchantSimulation[];
}

export async function simulate(db: Db, paths: readonly string[], opts: SimulateOptions): Promise<{ validation: ValidationResult; simulation: Simulation | null }> {
  const validation = await validateFiles(paths, { cwd: opts.cwd, catalog: await getLiveCatalog(db) });
  if (!validation.valid) return { validation, simulation: null };
  const programs = validation.programs.filter((p) => opts.merchant === undefined || p.document.metadata.merchant === opts.merchant);
  if (opts.merchant !== undefined && programs.length === 0) {
    throw new TierformError('simulate.no-program', `no program file for merchant ${opts.merchant} among the files given`);
  }
  // Every merchant is checked before the first replay: bad input costs nothing.
  const checked = [];
  for (const program of programs) checked.push(await checkMerchant(db, program.document, opts));
  const merchants: MerchantSimulation[] = [];
  for (const { document, current } of checked) {
    const merchant = document.metadata.merchant;
    const side = (which: 'current' | 'proposed') => (done: number, total: number) => opts.onProgress?.(merchant, which, done, total);
    merchants.push({
      merchant,
      currency: document.metadata.currency,
      current: await replaySide(db, { merchant, document: current.document, version: current.version, from: opts.from, to: opts.to, onProgress: side('current') }),
      proposed: await replaySide(db, { merchant, document, version: null, from: opts.from, to: opts.to, onProgress: side('proposed') }),
    });
  }
  return { validation, simulation: { formatVersion: 1, from: opts.from, to: opts.to, merchants } };
}

async function checkMerchant(db: Db, document: MembershipProgram, opts: SimulateOptions) {
  const merchant = document.metadata.merchant;
  const { rows } = await db.query<{ version: number; document: MembershipProgram }>(
    "SELECT version, document FROM program_versions WHERE merchant_id = $1 AND status = 'active'",
    [merchant],
  );
  const current = rows[0];
  if (!current) throw new TierformError('state.unknown-merchant', `merchant ${merchant} has no active program version to compare with; apply a program first`);
  const today = localDateOf(opts.now, document.metadata.timezone);
  if (opts.to > today) {
    throw new TierformError('simulate.range-future', `--to ${opts.to} is after today (${today} in ${document.metadata.timezone}) for ${merchant}: only the stored history can be replayed`);
  }
  const first = await db.query<{ first: Date | null }>('SELECT min(paid_at) AS first FROM orders WHERE merchant_id = $1', [merchant]);
  const firstAt = first.rows[0]?.first ? new Date(first.rows[0].first) : null;
  const firstDate = firstAt ? localDateOf(firstAt, document.metadata.timezone) : null;
  if (firstDate === null || firstDate > opts.to) {
    throw new TierformError(
      'simulate.before-first-order',
      firstDate === null
        ? `${merchant} has no orders: there is no history to replay`
        : `the range ${opts.from}..${opts.to} ends before ${merchant}'s first order (${firstDate}): nothing would move; choose a --to on or after ${firstDate}`,
    );
  }
  return { document, current: { version: Number(current.version), document: current.document } };
}
