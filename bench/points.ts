/**
 * Upgrade by points in the benchmarks (SPEC v1.1 §3.2, §4.5), kept apart from the amount
 * sections they sit beside:
 * - `benchPointsImport` (import section): a points ledger file through the real import code
 *   against a plain `COPY` into a points_ledger-shaped table, and next to the orders import of
 *   the same number of rows measured in the same run;
 * - `benchPointsRecalculation` (engine section): the merchant's members recalculated under a
 *   program by points, against the same floors as by amount: the same-result floor
 *   (bench/recalculationFloor.ts, checked to leave what the engine leaves) and, as a reference,
 *   one hand-written UPDATE … FROM the points earned per member in the window.
 * The files are generated here (seeded): ~20 entries per member over 3 years, 1–500 points,
 * ~10 % redemptions (negative, which never count).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { MembershipProgram } from '../src/generated/types.js';
import type { Db, Transaction } from '../src/store/db.js';
import { runImport } from '../src/import/pipeline.js';
import { pointsImport } from '../src/import/points.js';
import { continueRun, openRun, recalculateInline } from '../src/engine/index.js';
import { loadVersion } from '../src/engine/versions.js';
import { ENGINE_WORK_MEM, useEngineSettings } from '../src/engine/settings.js';
import type { LevelRules } from '../src/rules/index.js';
import type { Statement } from '../src/store/statement.js';
import { seededRandom } from './generate.js';
import { applyProgram, rate, wholeLines, type FloorRow } from './dbBench.js';
import { sameResultCheck, sameResultFloor } from './recalculationFloor.js';

const YEAR_MS = 365 * 24 * 3_600_000;
const LINES_PER_CHUNK = 8192;

/** A points ledger as CSV: `entries` entries of members m0…m{members−1} in the 3 years before `before`. */
export async function writePointsFile(path: string, o: { merchant: string; members: number; entries: number; before: Date; seed: number }): Promise<void> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const random = seededRandom(o.seed);
  const end = o.before.getTime();
  let chunk = 'merchant,entry,member,points,at,reason\n';
  for (let i = 0; i < o.entries; i++) {
    const member = Math.floor(random() * o.members);
    const at = new Date(end - 1000 - Math.floor(random() * 3 * YEAR_MS)).toISOString();
    const redeemed = random() < 0.1;
    const points = 1 + Math.floor(random() * 500);
    chunk += `${o.merchant},p${i},m${member},${redeemed ? -points : points},${at},${redeemed ? 'redeemed' : ''}\n`;
    if ((i + 1) % LINES_PER_CHUNK === 0) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.write(chunk);
  out.end();
  await once(out, 'finish');
}

async function importPoints(db: Db, file: string): Promise<{ written: number; seconds: number }> {
  const t0 = performance.now();
  const outcome = await runImport(db, pointsImport, { input: createReadStream(file, { highWaterMark: 1 << 20 }), format: 'csv' });
  if (!outcome.ok) throw new Error(`bench points import rejected: ${JSON.stringify(outcome.problems.slice(0, 3))}`);
  return { written: outcome.inserted + outcome.updated, seconds: (performance.now() - t0) / 1000 };
}

const POINTS_FLOOR = 'bench_floor_points';

/**
 * The points import beside its floor and beside the orders import measured in the same run
 * (`ordersFirstLoad`: seconds for the same number of orders). The merchant must exist.
 */
export async function benchPointsImport(db: Db, dir: string, merchant: string, entries: number, ordersFirstLoad: number): Promise<FloorRow[]> {
  const file = join(dir, 'points.csv');
  await writePointsFile(file, { merchant, members: Math.max(1, Math.round(entries / 20)), entries, before: new Date('2026-11-01T00:00:00Z'), seed: 13 });
  await db.query(`DROP TABLE IF EXISTS ${POINTS_FLOOR}`);
  await db.query(`CREATE TABLE ${POINTS_FLOOR} (LIKE points_ledger INCLUDING ALL)`);
  try {
    // The floor reads the same CSV file (points are whole numbers already: nothing to convert).
    const t0 = performance.now();
    await db.transaction(async (tx) => {
      await tx.query("SELECT set_config('work_mem', '256MB', true)");
      await tx.query(`ALTER TABLE ${POINTS_FLOOR} ALTER COLUMN import_seq SET DEFAULT 1`);
      await tx.copyFrom(`COPY ${POINTS_FLOOR} (merchant_id, entry_id, member_id, points, at, reason) FROM STDIN (FORMAT csv, HEADER true)`, wholeLines(file));
    });
    const floor = (performance.now() - t0) / 1000;
    const load = await importPoints(db, file);
    const again = await importPoints(db, file);
    const n = entries.toLocaleString('en-US');
    return [
      { measure: `floor: COPY ${n} points entries (the CSV file itself) into an empty points_ledger-shaped table`, seconds: floor, throughput: `${rate(entries, floor)} entries/s`, floor, count: entries, target: '1.00×' },
      {
        measure: `import points (CSV), first load of the merchant (${(load.seconds / ordersFirstLoad).toFixed(2)}× the CSV orders first load of as many rows above)`,
        seconds: load.seconds,
        throughput: `${rate(entries, load.seconds)} entries/s`,
        floor,
        count: load.written,
        target: '≤ 2× floor',
      },
      { measure: 'import points (CSV), the same file again (append-only: every entry compared, none written)', seconds: again.seconds, throughput: `${rate(entries, again.seconds)} entries/s`, floor, count: again.written, target: '—' },
    ];
  } finally {
    await db.query(`DROP TABLE IF EXISTS ${POINTS_FLOOR}`);
    await db.query('DELETE FROM points_ledger WHERE merchant_id = $1', [merchant]);
  }
}

/** What the engine bench hands over: its data, its program and its measuring helpers. */
export interface PointsRecalculationContext {
  db: Db;
  dir: string;
  merchant: string;
  members: number;
  entries: number;
  /** The program document by amount the section applied; thresholds are replaced by points. */
  base: MembershipProgram;
  now: Date;
  at: Date;
  measured: <T>(d: Db, fn: (tx: Transaction) => Promise<T>) => Promise<{ value: T; seconds: number }>;
  nestedDb: (tx: Transaction, kind: Db['kind']) => Db;
  log: (message: string) => void;
  /** Reusing kept data (TIERFORM_BENCH_REUSE=1): a ledger already there is not imported again. */
  reuse?: boolean;
}

/** Thresholds in points, giving roughly the shares of the amount program with the generated ledger. */
const POINTS: Record<string, number> = { bronze: 1200, silver: 1800, gold: 2400 };

export async function benchPointsRecalculation(c: PointsRecalculationContext): Promise<{ rows: FloorRow[]; same: string }> {
  const { db, merchant } = c;
  c.log(`importing ${c.entries.toLocaleString('en-US')} points entries…`);
  const file = join(c.dir, 'points.csv');
  await writePointsFile(file, { merchant, members: c.members, entries: c.entries, before: c.now, seed: 17 });
  const loaded = c.reuse && (await db.query('SELECT 1 FROM points_ledger WHERE merchant_id = $1 LIMIT 1', [merchant])).rows.length > 0;
  const load = loaded ? { written: 0, seconds: 0 } : await importPoints(db, file);
  await db.query('VACUUM ANALYZE points_ledger');
  c.log('recalculation (points, rolling 12 months)…');
  const document = structuredClone(c.base);
  document.metadata.merchant = merchant;
  document.metadata.currency = 'USD';
  document.spec.effective = { mode: 'scheduled', at: c.at.toISOString().replace('Z', '+00:00'), existingMembers: 'recalculate' };
  const levels = document.spec.levels!;
  levels.upgrade = { basis: 'points', window: { rolling: { months: 12 } } };
  levels.downgrade = { mode: 'recompute' };
  for (const tier of levels.tiers) {
    tier.threshold = { points: POINTS[tier.id]! };
    delete tier.retain;
  }
  const version = await applyProgram(db, merchant, document, c.now, true);
  const v = await loadVersion(db, merchant, version);
  const tierOnly = pointsFloor(merchant, v.rules, c.at);
  const stored = await db.query<{ document: unknown }>('SELECT document FROM program_versions WHERE merchant_id = $1 AND version = $2', [merchant, version]);
  const sameResult = sameResultFloor(merchant, v.rules, stored.rows[0]!.document, c.at, version);
  const same = await sameResultCheck(db, merchant, c.at, sameResult, (tx) => recalculateInline(tx, merchant, version, c.at));
  c.log(`same result (points): ${same}`);
  // The floors run with the engine's own settings (work_mem, jit), as the amount floors do.
  const timedFloor = (floor: Statement): Promise<{ value: number; seconds: number }> =>
    c.measured(db, async (tx) => {
      await useEngineSettings(tx);
      const res = await tx.query<{ moved?: number }>(floor.text, [...floor.values]);
      return res.rows[0]?.moved ?? res.rowCount;
    });
  const before = await timedFloor(tierOnly);
  const sameBefore = await timedFloor(sameResult);
  const measuredRows = await (async () => {
    const asRun = await c.measured(db, async (tx) => {
      const { run } = await openRun(tx, { merchant, kind: 'recalculate', version, at: c.at, key: `recalculate:v${version}` }, c.at);
      const done = await continueRun(c.nestedDb(tx, db.kind), merchant, run.runId, { clock: () => c.at });
      return { changed: done.membersChanged };
    });
    const inline = await c.measured(db, (tx) => recalculateInline(tx, merchant, version, c.at));
    return [
      { measure: 'recalculation after switching to points, rolling 12 months: run (openRun + continueRun)', seconds: asRun.seconds, count: asRun.value.changed },
      { measure: 'recalculation by points: recalculateInline in one transaction', seconds: inline.seconds, count: inline.value.changed },
    ];
  })();
  const after = await timedFloor(tierOnly);
  const sameAfter = await timedFloor(sameResult);
  const tier = Math.min(before.seconds, after.seconds);
  const reference = Math.min(sameBefore.seconds, sameAfter.seconds);
  c.log(
    `points floor (tier only) ${before.seconds.toFixed(2)} s / ${after.seconds.toFixed(2)} s, same-result floor ${sameBefore.seconds.toFixed(2)} s / ${sameAfter.seconds.toFixed(2)} s; ${measuredRows.map((r) => `${r.seconds.toFixed(2)} s`).join(', ')}`,
  );
  const rows: FloorRow[] = [
    ...(loaded ? [] : [{ measure: `import points, CSV (${c.entries.toLocaleString('en-US')} entries)`, seconds: load.seconds, throughput: `${rate(c.entries, load.seconds)} entries/s`, target: '—' }]),
    {
      measure: `same-result floor by points: one hand-written statement leaving what the engine leaves (as for the amount rows), work_mem ${ENGINE_WORK_MEM}, faster of 2`,
      seconds: reference,
      floor: reference,
      count: sameBefore.value,
      target: '1.00×',
    },
    {
      measure: 'tier-only floor by points (reference): one UPDATE … FROM (points earned per member in the window) setting tier_id where it changed, faster of 2',
      seconds: tier,
      floor: reference,
      count: before.value,
      target: '—',
    },
    ...measuredRows.map((r) => ({ ...r, floor: reference, target: `≤ 1.5× same-result floor (${(r.seconds / tier).toFixed(2)}× the tier-only floor)` })),
  ];
  return { rows, same };
}

/**
 * The floor by points: the tier decision of §3.2 for every member in one statement, hand-written
 * for these rules (points thresholds only, rolling window in months), writing tier_id where it
 * changed.
 */
function pointsFloor(merchant: string, rules: LevelRules, at: Date): Statement {
  if (rules.window.kind !== 'rolling' || !('months' in rules.window.length)) throw new Error('the points floor is written for a rolling window in months');
  const values: unknown[] = [merchant, at, rules.timezone, rules.window.length.months, rules.activeFrom];
  const cases = [...rules.tiers]
    .filter((t) => t.enabled)
    .reverse()
    .map((t) => {
      values.push(t.threshold.amountMinor!.toString(), t.id);
      return `WHEN coalesce(a.earned, 0) >= $${values.length - 1}::bigint THEN $${values.length}::text`;
    });
  const text = `
UPDATE members m SET tier_id = x.tier
FROM (
  SELECT mb.member_id, CASE ${cases.join(' ')} END AS tier
  FROM members mb LEFT JOIN (
    SELECT l.member_id, sum(l.points) AS earned
    FROM points_ledger l
    WHERE l.merchant_id = $1 AND l.points > 0 AND l.at < $2::timestamptz
      AND l.at >= GREATEST(
        ((($2::timestamptz AT TIME ZONE $3::text)::date - make_interval(months => $4::int))::date::timestamp AT TIME ZONE $3::text),
        coalesce(($5::date)::timestamp AT TIME ZONE $3::text, '-infinity'))
    GROUP BY l.member_id
  ) a ON a.member_id = mb.member_id
  WHERE mb.merchant_id = $1
) x
WHERE m.merchant_id = $1 AND m.member_id = x.member_id AND m.tier_id IS DISTINCT FROM x.tier`;
  return { text, values };
}

