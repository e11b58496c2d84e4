/**
 * Import against its floor (SPEC §6 v1.1: within 2× of a plain COPY of the same file into a table
 * shaped and indexed like `orders`, for a first load and a re-import that updates 10%).
 *
 * Generated files of one merchant go through the real import code (stream → check → COPY →
 * merge, one transaction), each beside its floor, measured in the same run on the same data:
 * - first load: `COPY` of the same rows into an empty copy of the table (`LIKE … INCLUDING ALL`:
 *   same columns, checks, primary key and indexes; members also its foreign key);
 * - re-import of the same file with every 10th row changed: `COPY` into a staging table plus one
 *   hand-written `INSERT … ON CONFLICT DO UPDATE … WHERE` the row differs.
 * Floors and tierform run with the same settings: the server's, and `work_mem` 256 MB set in the
 * transaction (the import's merge sets it too). On the server when TIERFORM_BENCH_DATABASE_URL is
 * set (1,000,000 orders, 250,000 members), else on an in-memory embedded database (200,000 /
 * 50,000).
 */
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { MembershipProgram } from '../src/generated/types.js';
import type { Db } from '../src/store/db.js';
import { openPglite } from '../src/store/pglite.js';
import { openPg } from '../src/store/pg.js';
import { migrate } from '../src/store/migrate.js';
import { runImport, type ImportKind } from '../src/import/pipeline.js';
import { ordersImport } from '../src/import/orders.js';
import { membersImport } from '../src/import/members.js';
import { generateChunks, writeGenerated, type GenerateOptions, type GeneratedFormat } from './generate.js';
import { floorTable, rate, wholeLines, type FloorRow } from './dbBench.js';
import { readSnapshot } from '../src/store/snapshot.js';
import { computePlan } from '../src/plan/compute.js';
import { applyPlan } from '../src/apply/applyPlan.js';
import type { BenchSection } from './run.js';
import { benchPointsImport } from './points.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MERCHANTS = { ndjson: 'bench-import-ndjson', csv: 'bench-import-csv', members: 'bench-import-members', points: 'bench-import-points' } as const;
const WORK_MEM = '256MB';
const CHANGE_EVERY = 10;
const ORDER_FLOOR = 'bench_floor_orders';
const MEMBER_FLOOR = 'bench_floor_members';
const ORDER_COLUMNS = 'merchant_id, order_id, member_id, amount_minor, refunded_minor, paid_at, status, tags, import_seq';
const ORDER_VALUES = ['member_id', 'amount_minor', 'refunded_minor', 'paid_at', 'status', 'tags'];
const MEMBER_COLUMNS = 'merchant_id, member_id, joined_at, name, birthday';
const MEMBER_VALUES = ['joined_at', 'name', 'birthday'];

export async function benchImport(): Promise<BenchSection> {
  const url = process.env.TIERFORM_BENCH_DATABASE_URL;
  const orders = Number(process.env.TIERFORM_BENCH_IMPORT_ORDERS ?? (url ? 1_000_000 : 200_000));
  const members = Number(process.env.TIERFORM_BENCH_IMPORT_MEMBERS ?? Math.round(orders / 4));
  const db: Db = url ? openPg({ connectionString: url }) : await openPglite();
  const dir = await mkdtemp(join(tmpdir(), 'tierform-bench-import-'));
  const rows: FloorRow[] = [];
  stepNotes.length = 0;
  try {
    await migrate(db);
    await dropFloors(db);
    await clearMerchants(db);
    const now = new Date('2026-11-01T00:00:00Z');
    for (const merchant of Object.values(MERCHANTS)) await createMerchant(db, merchant, now);
    const base = { members: Math.max(1, Math.round(orders / 20)), orders, before: now, seed: 7 };

    let csvFirstLoad = 0;
    for (const format of ['csv', 'ndjson'] as GeneratedFormat[]) {
      const o: GenerateOptions = { ...base, merchant: MERCHANTS[format] };
      const first = join(dir, `orders.${format}`);
      const again = join(dir, `orders-again.${format}`);
      const floorFirst = join(dir, `orders-floor-${format}.copy`);
      const floorAgain = join(dir, `orders-floor-again-${format}.copy`);
      await writeGenerated(first, 'orders', format, o);
      await writeGenerated(again, 'orders', format, { ...o, changeEvery: CHANGE_EVERY });
      await writeOrderFloorFile(floorFirst, o, 1);
      await writeOrderFloorFile(floorAgain, { ...o, changeEvery: CHANGE_EVERY }, 2);
      const size = `${format.toUpperCase()}, ${((await stat(first)).size / 2 ** 20).toFixed(0)} MiB`;
      await db.query(`CREATE TABLE ${ORDER_FLOOR} (LIKE orders INCLUDING ALL)`);

      const floorLoad = await timed(() => copyFloor(db, ORDER_FLOOR, ORDER_COLUMNS, floorFirst, ''));
      rows.push({ measure: `floor: COPY ${orders.toLocaleString('en-US')} orders into an empty orders-shaped table (its primary key and four indexes)`, seconds: floorLoad.seconds, throughput: `${rate(orders, floorLoad.seconds)} orders/s`, floor: floorLoad.seconds, count: orders, target: '1.00×' });
      const load = await timed(() => importFile(db, ordersImport, first, format, `orders (${format.toUpperCase()}), first load`));
      if (format === 'csv') csvFirstLoad = load.seconds;
      rows.push({ measure: `import orders (${size}), first load of the merchant`, seconds: load.seconds, throughput: `${rate(orders, load.seconds)} orders/s`, floor: floorLoad.seconds, count: load.value.inserted + load.value.updated, target: '≤ 2× floor' });

      const floorMerge = await timed(() => mergeFloor(db, ORDER_FLOOR, ORDER_COLUMNS, ['merchant_id', 'order_id'], [...ORDER_VALUES, 'import_seq'], ORDER_VALUES, floorAgain, ''));
      rows.push({ measure: `floor: COPY into a staging table + INSERT … ON CONFLICT DO UPDATE WHERE changed (every ${CHANGE_EVERY}th order changed)`, seconds: floorMerge.seconds, throughput: `${rate(orders, floorMerge.seconds)} orders/s`, floor: floorMerge.seconds, count: floorMerge.value, target: '1.00×' });
      const merge = await timed(() => importFile(db, ordersImport, again, format, `orders (${format.toUpperCase()}), re-import`));
      rows.push({ measure: `import orders (${size}), re-import (every ${CHANGE_EVERY}th order changed)`, seconds: merge.seconds, throughput: `${rate(orders, merge.seconds)} orders/s`, floor: floorMerge.seconds, count: merge.value.inserted + merge.value.updated, target: '≤ 2× floor' });
      await sameRows(db, 'orders', ORDER_FLOOR, MERCHANTS[format], ['merchant_id', 'order_id'], ORDER_VALUES);
      await db.query(`DROP TABLE ${ORDER_FLOOR}`);
    }

    const m: GenerateOptions = { ...base, members, merchant: MERCHANTS.members };
    const first = join(dir, 'members.csv');
    const again = join(dir, 'members-again.csv');
    await writeGenerated(first, 'members', 'csv', m);
    await writeGenerated(again, 'members', 'csv', { ...m, changeEvery: CHANGE_EVERY });
    await db.query(`CREATE TABLE ${MEMBER_FLOOR} (LIKE members INCLUDING ALL, FOREIGN KEY (merchant_id) REFERENCES merchants (merchant_id))`);
    const csv = ' (FORMAT csv, HEADER true)';
    const floorLoad = await timed(() => copyFloor(db, MEMBER_FLOOR, MEMBER_COLUMNS, first, csv));
    rows.push({ measure: `floor: COPY ${members.toLocaleString('en-US')} members (the CSV file itself) into an empty members-shaped table`, seconds: floorLoad.seconds, throughput: `${rate(members, floorLoad.seconds)} members/s`, floor: floorLoad.seconds, count: members, target: '1.00×' });
    const load = await timed(() => importFile(db, membersImport, first, 'csv', 'members, first load'));
    rows.push({ measure: 'import members (CSV), first load of the merchant', seconds: load.seconds, throughput: `${rate(members, load.seconds)} members/s`, floor: floorLoad.seconds, count: load.value.inserted + load.value.updated, target: '≤ 2× floor' });
    const floorMerge = await timed(() => mergeFloor(db, MEMBER_FLOOR, MEMBER_COLUMNS, ['merchant_id', 'member_id'], MEMBER_VALUES, MEMBER_VALUES, again, csv));
    rows.push({ measure: `floor: COPY into a staging table + INSERT … ON CONFLICT DO UPDATE WHERE changed (every ${CHANGE_EVERY}th member renamed)`, seconds: floorMerge.seconds, throughput: `${rate(members, floorMerge.seconds)} members/s`, floor: floorMerge.seconds, count: floorMerge.value, target: '1.00×' });
    const merge = await timed(() => importFile(db, membersImport, again, 'csv', 'members, re-import'));
    rows.push({ measure: `import members (CSV), re-import (every ${CHANGE_EVERY}th member renamed)`, seconds: merge.seconds, throughput: `${rate(members, merge.seconds)} members/s`, floor: floorMerge.seconds, count: merge.value.inserted + merge.value.updated, target: '≤ 2× floor' });
    await sameRows(db, 'members', MEMBER_FLOOR, MERCHANTS.members, ['merchant_id', 'member_id'], MEMBER_VALUES);

    // v1.1: the points ledger, as many entries as orders, beside the CSV orders first load (bench/points.ts).
    rows.push(...(await benchPointsImport(db, dir, MERCHANTS.points, orders, csvFirstLoad)));

    await dropFloors(db);
    await clearMerchants(db);
    return {
      title: `Import against its floor (${url ? 'PostgreSQL server' : 'embedded PGlite'})`,
      table: floorTable(rows, 'rows written'),
      notes: [
        `Orders: one merchant per format, ${base.members.toLocaleString('en-US')} members (registered by the first load), ${orders.toLocaleString('en-US')} orders over 3 years, generated by bench/generate.ts (seeded) and read from disk; the re-import is the same file with every ${CHANGE_EVERY}th order flipped between paid and fully refunded. Members: ${members.toLocaleString('en-US')} members of another merchant, then the same file with every ${CHANGE_EVERY}th member renamed. tierform's time covers the whole import: reading and checking every line, staging, locking, the merge into \`members\` and \`orders\`, the commit and the statistics refresh after it. "rows written" counts rows inserted or updated (tierform's own count; the floor's from its statements): an unchanged re-imported row is not written.`,
        `Points (v1.1): a ledger of as many entries as orders (bench/points.ts, ~10% redemptions) imported into another merchant, against a \`COPY\` of the CSV file itself into a table made with \`LIKE points_ledger INCLUDING ALL\`; its first-load row also gives its ratio to the CSV orders first load above. The second import of the same file writes nothing (the ledger is append-only): every entry is staged and compared with the stored one.`,
        `Where tierform's time went (steps of at least 0.05 s): ${stepNotes.join('; ')}.`,
        `Floors, in the same run on the same rows: the first load is one \`COPY\` into an empty table made with \`CREATE TABLE … (LIKE orders INCLUDING ALL)\` (members: also its foreign key to merchants), i.e. the same columns, checks, primary key and indexes. The orders floor reads the rows already in COPY text form (amounts in minor units, tags as arrays: converted before the clock starts, so the floor does no parsing of decimals); the members floor reads the CSV file itself. The re-import floor is \`COPY\` into a temporary staging table plus one \`INSERT … SELECT … ON CONFLICT (key) DO UPDATE … WHERE\` the row differs. Both sides run in one transaction with the server's settings and \`work_mem\` = ${WORK_MEM} (set in the transaction); after each re-import the bench checks that tierform's table and the floor's hold the same rows. The machine is shared: read the ratios, measured seconds apart, not the seconds.`,
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await dropFloors(db).catch(() => undefined);
    await db.close();
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

/** Seconds per step of each import measured, for the notes: `import orders (CSV), first load: read, check and COPY 9.1 s, …`. */
const stepNotes: string[] = [];

async function importFile<P>(db: Db, kind: ImportKind<P>, file: string, format: GeneratedFormat, label: string): Promise<{ inserted: number; updated: number }> {
  const steps: string[] = [];
  const onStep = (step: string, seconds: number): void => {
    if (seconds >= 0.05) steps.push(`${step} ${seconds.toFixed(1)} s`);
  };
  const outcome = await runImport(db, kind, { input: createReadStream(file, { highWaterMark: 1 << 20 }), format }, { onStep });
  stepNotes.push(`${label}: ${steps.join(', ')}`);
  if (!outcome.ok) throw new Error(`bench import rejected: ${JSON.stringify(outcome.problems.slice(0, 3))}`);
  return outcome;
}

/** The floor of a first load: one COPY of the file into the empty floor table. */
async function copyFloor(db: Db, table: string, columns: string, file: string, options: string): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT set_config('work_mem', $1, true)", [WORK_MEM]);
    return tx.copyFrom(`COPY ${table} (${columns}) FROM STDIN${options}`, wholeLines(file));
  });
}

/** The floor of a re-import: COPY into a staging table, one upsert that writes changed rows only. */
async function mergeFloor(db: Db, table: string, columns: string, key: string[], set: string[], compared: string[], file: string, options: string): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT set_config('work_mem', $1, true)", [WORK_MEM]);
    await tx.query(`CREATE TEMPORARY TABLE bench_floor_stage (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DROP`);
    await tx.copyFrom(`COPY bench_floor_stage (${columns}) FROM STDIN${options}`, wholeLines(file));
    const res = await tx.query(
      `INSERT INTO ${table} AS t (${columns}) SELECT ${columns} FROM bench_floor_stage
       ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${set.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
       WHERE (${compared.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${compared.map((c) => `EXCLUDED.${c}`).join(', ')})`,
    );
    return res.rowCount;
  });
}

/** The bench fails when tierform and the floor disagree about the rows. */
async function sameRows(db: Db, table: string, floor: string, merchant: string, key: string[], values: string[]): Promise<void> {
  const cols = [...key, ...values].join(', ');
  const res = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       (SELECT ${cols} FROM ${table} WHERE merchant_id = $1 EXCEPT ALL SELECT ${cols} FROM ${floor})
       UNION ALL
       (SELECT ${cols} FROM ${floor} EXCEPT ALL SELECT ${cols} FROM ${table} WHERE merchant_id = $1)) d`,
    [merchant],
  );
  if (res.rows[0]!.n !== 0) throw new Error(`bench: ${table} and its floor differ in ${res.rows[0]!.n} rows`);
}

/** The generated orders as COPY text in the orders table's own types (minor units, tag arrays). */
async function writeOrderFloorFile(path: string, o: GenerateOptions, importSeq: number): Promise<void> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const minor = (amount: string): string => String(Number(amount.replace('.', '')));
  let header = true;
  for (const chunk of generateChunks('orders', 'csv', o)) {
    let text = '';
    for (const line of chunk.split('\n')) {
      if (line === '') continue;
      if (header) {
        header = false;
        continue;
      }
      const [merchant, order, member, amount, paidAt, status, refunded, tags] = line.split(',');
      text += `${merchant}\t${order}\t${member}\t${minor(amount!)}\t${minor(refunded!)}\t${paidAt}\t${status}\t${tags ? `{${tags}}` : '{}'}\t${importSeq}\n`;
    }
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function createMerchant(db: Db, merchant: string, now: Date): Promise<void> {
  const document = parse(readFileSync(join(ROOT, 'programs/acme/program.yaml'), 'utf8')) as MembershipProgram;
  document.metadata.merchant = merchant;
  document.spec.effective = { mode: 'immediate' };
  // A merchant left by an earlier run already has this program: the plan is then a no-op.
  const plan = computePlan([{ path: `programs/${merchant}/program.yaml`, document }], await readSnapshot(db, { now }), now);
  await applyPlan(db, plan, { now, actor: 'bench', sourceRef: null, lockTimeoutMs: 10_000, supersede: false, savedPlan: false });
}

async function dropFloors(db: Db): Promise<void> {
  await db.query(`DROP TABLE IF EXISTS ${ORDER_FLOOR}, ${MEMBER_FLOOR}`);
}

/** Removes the bench merchants' orders and members, and their dead rows (a fresh import must not wade through them). */
async function clearMerchants(db: Db): Promise<void> {
  const merchants = Object.values(MERCHANTS);
  await db.query('DELETE FROM points_ledger WHERE merchant_id = ANY($1::text[])', [merchants]);
  const { rowCount } = await db.query('DELETE FROM orders WHERE merchant_id = ANY($1::text[])', [merchants]);
  const res = await db.query('DELETE FROM members WHERE merchant_id = ANY($1::text[])', [merchants]);
  if (rowCount + res.rowCount > 0) await db.query('VACUUM ANALYZE orders, members');
}
