/**
 * Paid membership's daily evaluation against its floor (SPEC §3.6, §3.8, §6): one merchant of
 * type paid whose plan grants `free_shipping` every month (and join points), every member with a
 * running 12-month membership bought in the last ~two months, loaded through the real import
 * code, then timed on the same data:
 *
 * - setup, committed: the first evaluation, which performs the backlog (join points and every
 *   anniversary up to then);
 * - the next day's evaluation: `performPaidGrants` alone, and `evaluateInline` (the engine's
 *   daily evaluation, which calls it); purchases are spread evenly over the days of the month,
 *   so the anniversaries of ~1/30 (~3%) of the members fall due that day;
 * - the floor: one hand-written INSERT … SELECT into the ledger of the same grants (the monthly
 *   anniversaries in the day since the last evaluation), found by scanning every period.
 *
 * Every measurement runs in a transaction that is rolled back, so each starts from the same
 * data; VACUUM between them clears the dead rows. The floor runs before and after the group and
 * the faster of the two is the reference.
 *
 * Sizes: on the server (TIERFORM_BENCH_DATABASE_URL, an empty database) 1,000,000 paid members;
 * on the embedded database 50,000. TIERFORM_BENCH_SCALE (e.g. 0.01) scales them;
 * TIERFORM_BENCH_PAID_MEMBERS sets the count exactly. TIERFORM_BENCH_KEEP=1 leaves the
 * merchant's data in the database.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MembershipProgram } from '../src/generated/types.js';
import type { Db, Transaction } from '../src/store/db.js';
import { openPglite } from '../src/store/pglite.js';
import { openPg } from '../src/store/pg.js';
import { migrate } from '../src/store/migrate.js';
import { purchasesImport } from '../src/import/purchases.js';
import { evaluateInline } from '../src/engine/index.js';
import { performPaidGrants } from '../src/engine/paid/index.js';
import type { Statement } from '../src/store/statement.js';
import { seededRandom, writeGenerated } from './generate.js';
import type { BenchSection } from './run.js';
import { applyProgram, clearMerchant, floorTable, importFile, importMembersRow, measured as measuredIn, rate, type FloorRow } from './dbBench.js';

const MERCHANT = 'bench-paid';
const TIMEZONE = 'America/New_York';
const PLAN = 'plus';
/** Purchases are paid in the SPAN_DAYS before this instant; the first evaluation (the backlog) is at it. */
const BEFORE = new Date('2026-11-01T08:00:00Z');
/** The next daily evaluation, a day later (03:00 in New York both times). */
const DAILY_AT = new Date('2026-11-02T08:00:00Z');
/** Two whole months and a little: every day of the month is as likely as another. */
const SPAN_DAYS = 61;
const DAY_MS = 86_400_000;

type Row = FloorRow;

export async function benchPaid(): Promise<BenchSection> {
  const url = process.env.TIERFORM_BENCH_DATABASE_URL;
  const scale = Number(process.env.TIERFORM_BENCH_SCALE ?? 1);
  const members = Number(process.env.TIERFORM_BENCH_PAID_MEMBERS ?? Math.max(1, Math.round((url ? 1_000_000 : 50_000) * scale)));
  const db: Db = url ? openPg({ connectionString: url, applicationName: 'tierform-bench-paid' }) : await openPglite();
  const dir = await mkdtemp(join(tmpdir(), 'tierform-bench-paid-'));
  const log = (message: string): void => console.error(`bench paid: ${message}`);
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    await migrate(db);
    const used = await db.query<{ used: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM members) OR EXISTS (SELECT 1 FROM purchases) OR EXISTS (SELECT 1 FROM grants) AS used',
    );
    if (used.rows[0]?.used) {
      throw new Error('the paid bench needs a database without members, purchases or grants (TIERFORM_BENCH_DATABASE_URL should name an empty database)');
    }

    // The program, through apply: type paid, one 12-month plan with join points and a monthly grant.
    const version = await applyProgram(db, MERCHANT, program(), new Date(BEFORE.getTime() - (SPAN_DAYS + 1) * DAY_MS));

    log(`generating ${members.toLocaleString('en-US')} members and their purchases…`);
    const membersFile = join(dir, 'members.csv');
    const perFile = Number(process.env.TIERFORM_BENCH_PAID_FILE ?? members);
    let t0 = performance.now();
    await writeGenerated(membersFile, 'members', 'csv', { merchant: MERCHANT, members, orders: 0, before: BEFORE, seed: 13 });
    const purchaseFiles = await writePurchases(dir, members, perFile);
    const generated = (performance.now() - t0) / 1000;
    let purchasesMiB = 0;
    for (const f of purchaseFiles) purchasesMiB += (await stat(f)).size / 2 ** 20;

    log('importing members…');
    rows.push(await importMembersRow(db, membersFile, members));
    // Files of a bounded size, ANALYZE after each (untimed): see the note.
    log(`importing purchases (${purchaseFiles.length} files)…`);
    let purchaseImport = 0;
    for (const [n, f] of purchaseFiles.entries()) {
      const seconds = await importFile(db, purchasesImport(BEFORE), f, Math.min(perFile, members - n * perFile));
      purchaseImport += seconds;
      if (n % 50 === 0) log(`purchases file ${n + 1}/${purchaseFiles.length}: ${seconds.toFixed(2)} s`);
      await db.query('ANALYZE purchases, paid_periods, paid_memberships');
    }
    rows.push({
      measure: `import purchases, CSV (${members.toLocaleString('en-US')} in ${purchaseFiles.length.toLocaleString('en-US')} files, ${purchasesMiB.toFixed(1)} MiB; periods and memberships computed)`,
      seconds: purchaseImport,
      throughput: `${rate(members, purchaseImport)} purchases/s`,
      target: '—',
    });
    log('VACUUM ANALYZE…');
    await db.query('VACUUM ANALYZE members, purchases, paid_periods, paid_memberships');

    // The backlog: join points and every anniversary up to BEFORE, committed.
    log('first evaluation (the backlog)…');
    t0 = performance.now();
    const backlog = await db.transaction((tx) => performPaidGrants(tx, MERCHANT, BEFORE, version));
    const backlogSeconds = (performance.now() - t0) / 1000;
    rows.push({
      measure: 'setup: first evaluation, performPaidGrants (the backlog: join points and every anniversary so far)',
      seconds: backlogSeconds,
      throughput: `${rate(backlog.granted, backlogSeconds)} grants/s`,
      count: backlog.granted,
      target: '—',
    });
    await db.query('VACUUM ANALYZE grants, paid_periods, paid_memberships, paid_grant_state');

    // The next day.
    log('daily evaluation…');
    const floor = floorStatement(BEFORE, DAILY_AT, version);
    const before = await measured(db, async (tx) => (await tx.query(floor.text, [...floor.values])).rowCount);
    const grants = await measured(db, async (tx) => (await performPaidGrants(tx, MERCHANT, DAILY_AT, version)).granted);
    const inline = await measured(db, async (tx) => {
      await evaluateInline(tx, MERCHANT, DAILY_AT);
      const { rows: n } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM grants WHERE merchant_id = $1 AND at = $2', [MERCHANT, DAILY_AT]);
      return n[0]?.n ?? 0;
    });
    const after = await measured(db, async (tx) => (await tx.query(floor.text, [...floor.values])).rowCount);
    const reference = Math.min(before.seconds, after.seconds);
    log(`floor ${before.seconds.toFixed(2)} s / ${after.seconds.toFixed(2)} s; performPaidGrants ${grants.seconds.toFixed(2)} s; evaluateInline ${inline.seconds.toFixed(2)} s`);
    const same = await sameGrants(db, floor, version);
    const share = (100 * grants.value) / members;
    rows.push(
      { measure: 'floor: one INSERT … SELECT of the anniversaries due since the last evaluation (every period scanned), faster of 2', seconds: reference, floor: reference, count: before.value, throughput: `${rate(before.value, reference)} grants/s`, target: '1.00×' },
      { measure: `daily evaluation (${share.toFixed(1)}% of members have an anniversary due), performPaidGrants`, seconds: grants.seconds, floor: reference, count: grants.value, throughput: `${rate(grants.value, grants.seconds)} grants/s`, target: '≤ 1.5× floor' },
      { measure: 'daily evaluation, evaluateInline in one transaction (calls performPaidGrants)', seconds: inline.seconds, floor: reference, count: inline.value, throughput: `${rate(inline.value, inline.seconds)} grants/s`, target: '≤ 1.5× floor' },
    );

    notes.push(
      `One merchant of type paid (zone ${TIMEZONE}), ${members.toLocaleString('en-US')} members, each with one purchase of plan ${PLAN} (12 months; 100 join points; free_shipping granted every month) paid at a seeded random instant in the ${SPAN_DAYS} days before ${BEFORE.toISOString()}, so every membership runs and every day of the month is about as likely: the anniversaries of ~1/30 of the members fall in any one day. Members (bench/generate.ts) and purchases (seeded, in this file) are generated as CSV in ${generated.toFixed(0)} s and loaded through the import code (members, then purchases in files of ${perFile.toLocaleString('en-US')} (TIERFORM_BENCH_PAID_FILE); each import recomputes the periods and memberships of its members in its transaction, after refreshing the statistics it plans them with); the program is applied with applyPlan. The first evaluation, at ${BEFORE.toISOString()}, performs the backlog and is committed; the daily evaluation is at ${DAILY_AT.toISOString()}.`,
      `Each daily measurement runs in a transaction that is rolled back, so every one starts from the same data; VACUUM runs between them, untimed. "vs floor" divides by the faster of two runs of the floor (before and after, same data): one hand-written INSERT … SELECT into the grants ledger of each period's monthly anniversary in (last evaluation, now], computed from the start on the zone's wall clock, scanning every period; it relies on knowing when the last evaluation ran and that nothing else is due (no join points or on_start since). The engine reads only the periods whose next_grant_at has come, writes the same rows with ON CONFLICT DO NOTHING, moves next_grant_at, and looks for expiries. ${same ? 'Checked in this run: the floor and performPaidGrants write the same ledger rows (each run after the other in one rolled-back transaction adds nothing).' : 'WARNING: the floor and performPaidGrants did not write the same ledger rows in this run.'}`,
    );
    return {
      title: `Paid membership's daily evaluation against the floor (${url ? 'PostgreSQL server' : 'embedded PGlite'}, ${members.toLocaleString('en-US')} paid members)`,
      table: floorTable(rows, 'grants performed'),
      notes,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (process.env.TIERFORM_BENCH_KEEP !== '1') await clearMerchant(db, MERCHANT, ['purchases', 'paid_periods', 'paid_memberships', 'paid_grant_state', 'grants', 'outbox', 'members', 'member_history', 'engine_runs']).catch(() => {});
    await db.close();
  }
}

function measured<T>(d: Db, fn: (tx: Transaction) => Promise<T>): Promise<{ value: T; seconds: number }> {
  return measuredIn(d, fn, ['grants', 'paid_periods', 'paid_memberships', 'paid_grant_state', 'outbox']);
}

/**
 * Whether the floor and the engine write the same ledger rows: in one rolled-back transaction,
 * the floor then the engine (which must add nothing), and in another the engine then the floor
 * without its conflicting rows (which must add nothing either).
 */
async function sameGrants(d: Db, floor: Statement, version: number): Promise<boolean> {
  const engineAfterFloor = await measured(d, async (tx) => {
    await tx.query(floor.text, [...floor.values]);
    return (await performPaidGrants(tx, MERCHANT, DAILY_AT, version)).granted;
  });
  const floorAfterEngine = await measured(d, async (tx) => {
    await performPaidGrants(tx, MERCHANT, DAILY_AT, version);
    return (await tx.query(`${floor.text} ON CONFLICT DO NOTHING`, [...floor.values])).rowCount;
  });
  return engineAfterFloor.value === 0 && floorAfterEngine.value === 0;
}

/** A paid program: one 12-month plan with join points and free shipping granted every month. */
function program(): MembershipProgram {
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant: MERCHANT, subscription: 'growth', timezone: TIMEZONE, currency: 'USD' },
    spec: {
      type: 'paid',
      enabled: true,
      effective: { mode: 'immediate' },
      paid: {
        plans: [
          {
            id: PLAN,
            name: 'Plus',
            price: 99,
            validity: { months: 12 },
            benefits: [
              { type: 'join_points', points: 100 },
              { type: 'free_shipping', grant: { every: { months: 1 } } },
            ],
          },
        ],
      },
    },
  } as unknown as MembershipProgram;
}

/** Applies the program document at `now`; returns the version written. */

/**
 * One paid purchase of the plan per member, at a seeded instant in the SPAN_DAYS before BEFORE,
 * in files of `perFile` purchases; returns their paths.
 */
async function writePurchases(dir: string, members: number, perFile: number): Promise<string[]> {
  const random = seededRandom(17);
  const header = 'merchant,purchase,member,plan,paidAt,status\n';
  const paths: string[] = [];
  for (let from = 0; from < members; from += perFile) {
    const path = join(dir, `purchases-${paths.length}.csv`);
    paths.push(path);
    const out = createWriteStream(path);
    let chunk = header;
    for (let i = from; i < Math.min(members, from + perFile); i++) {
      const paidAt = new Date(BEFORE.getTime() - 1000 - Math.floor(random() * SPAN_DAYS * DAY_MS)).toISOString();
      chunk += `${MERCHANT},p${i},m${i},${PLAN},${paidAt},paid\n`;
      if (chunk.length >= 1 << 20) {
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    out.end(chunk);
    await once(out, 'finish');
  }
  return paths;
}


/**
 * The floor: the monthly anniversaries (k ≥ 1 months after the start, on the zone's wall clock,
 * before the period's end) that fall in (since, at], inserted into the ledger with the engine's
 * keys and values, in one statement over every period of the merchant. k is the whole months
 * between the local start and the local `at`, or one less.
 */
function floorStatement(since: Date, at: Date, version: number): Statement {
  const local = (ts: string): string => `(${ts} AT TIME ZONE pp.timezone)`;
  const text = `
INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, plan_id, due_at, at, points, version, run_id)
SELECT pp.merchant_id, pp.member_id, 'free_shipping@m' || k.m || ':' || pp.purchase_id, 'free_shipping', NULL, pp.plan_id, d.due_at, $2::timestamptz, NULL, $5::integer, NULL
  FROM paid_periods pp
  CROSS JOIN LATERAL (SELECT age(${local('$2::timestamptz')}, ${local('pp.starts_at')}) AS a) g
  CROSS JOIN LATERAL (SELECT (extract(year FROM g.a) * 12 + extract(month FROM g.a))::int AS whole) w
  CROSS JOIN LATERAL (VALUES (w.whole - 1), (w.whole)) AS k(m)
  CROSS JOIN LATERAL (SELECT (${local('pp.starts_at')} + make_interval(months => k.m)) AT TIME ZONE pp.timezone AS due_at) d
 WHERE pp.merchant_id = $1 AND pp.plan_id = $4 AND pp.starts_at < pp.ends_at AND k.m >= 1
   AND d.due_at > $3::timestamptz AND d.due_at <= $2::timestamptz AND d.due_at < pp.ends_at`;
  return { text, values: [MERCHANT, at, since, PLAN, version] };
}

