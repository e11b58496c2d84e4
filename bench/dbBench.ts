/**
 * What the database benchmarks (engine, paid) share: applying a program through the product,
 * importing a generated file through the real import code, the table of rows measured against a
 * floor, and removing the bench merchant's rows afterwards.
 */
import { createReadStream } from 'node:fs';
import type { MembershipProgram } from '../src/generated/types.js';
import type { Db, Transaction } from '../src/store/db.js';
import { readSnapshot } from '../src/store/snapshot.js';
import { computePlan } from '../src/plan/compute.js';
import { applyPlan } from '../src/apply/applyPlan.js';
import { runImport, type ImportKind } from '../src/import/pipeline.js';
import { membersImport } from '../src/import/members.js';

/** One measured line: `floor` is the reference it is divided by; `count` the rows it moved or granted. */
export interface FloorRow {
  measure: string;
  seconds: number;
  throughput?: string;
  floor?: number;
  count?: number;
  target: string;
}

export function rate(n: number, seconds: number): string {
  return seconds > 0 ? Math.round(n / seconds).toLocaleString('en-US') : '—';
}

/** The rows as table cells under `countHeader` (e.g. "members moved"). */
export function floorTable(rows: readonly FloorRow[], countHeader: string): string[][] {
  return [
    ['measure', 'time', 'throughput', 'vs floor', countHeader, 'target'],
    ...rows.map((r) => [
      r.measure,
      `${r.seconds.toFixed(2)} s`,
      r.throughput ?? '—',
      r.floor === undefined ? '—' : `${(r.seconds / r.floor).toFixed(2)}×`,
      r.count === undefined ? '—' : r.count.toLocaleString('en-US'),
      r.target,
    ]),
  ];
}

/** Applies one program document at `now` through plan and apply; returns the version written. */
export async function applyProgram(db: Db, merchant: string, document: MembershipProgram, now: Date, supersede = false): Promise<number> {
  const plan = computePlan([{ path: `programs/${merchant}/program.yaml`, document }], await readSnapshot(db, { now }), now, { supersede });
  const result = await applyPlan(db, plan, { now, actor: 'bench', sourceRef: null, lockTimeoutMs: 10_000, supersede, savedPlan: false });
  const applied = result.merchants[0];
  if (!result.ok || !applied || applied.version === null) throw new Error(`bench apply failed: ${JSON.stringify(result.merchants)}`);
  return applied.version;
}

/** Imports a CSV file through the import code; returns the seconds it took. */
export async function importFile<P>(db: Db, kind: ImportKind<P>, file: string, expected: number): Promise<number> {
  const t0 = performance.now();
  const outcome = await runImport(db, kind, { input: createReadStream(file, { highWaterMark: 1 << 20 }), format: 'csv' });
  const seconds = (performance.now() - t0) / 1000;
  if (!outcome.ok) throw new Error(`bench import rejected: ${JSON.stringify(outcome.problems.slice(0, 3))}`);
  if (outcome.inserted + outcome.updated !== expected) throw new Error(`bench import counted ${outcome.inserted + outcome.updated}, expected ${expected}`);
  return seconds;
}

/** Imports the generated members file (CSV) through the import code: its row of a bench table. */
export async function importMembersRow(db: Db, file: string, members: number): Promise<FloorRow> {
  const seconds = await importFile(db, membersImport, file, members);
  return { measure: `import members, CSV (${members.toLocaleString('en-US')})`, seconds, throughput: `${rate(members, seconds)} members/s`, target: '—' };
}

/** Deletes the bench merchant's rows from `tables`. */
export async function clearMerchant(db: Db, merchant: string, tables: readonly string[]): Promise<void> {
  for (const table of tables) await db.query(`DELETE FROM ${table} WHERE merchant_id = $1`, [merchant]);
}

class Rollback extends Error {
  constructor() {
    super('rolled back on purpose');
  }
}

/** Runs `fn` in a transaction that is rolled back, so the data stays as it was; returns its value. */
export async function rolledBack<T>(d: Db, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  let out: { value: T } | undefined;
  try {
    await d.transaction(async (tx) => {
      out = { value: await fn(tx) };
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return out!.value;
}

/** Times `fn` inside a rolled-back transaction, then vacuums the dead rows it left in `vacuum`. */
export async function measured<T>(d: Db, fn: (tx: Transaction) => Promise<T>, vacuum: readonly string[]): Promise<{ value: T; seconds: number }> {
  const out = await rolledBack(d, async (tx) => {
    const start = performance.now();
    const value = await fn(tx);
    return { value, seconds: (performance.now() - start) / 1000 };
  });
  await d.query(`VACUUM ${vacuum.join(', ')}`);
  return out;
}

/** A file's text in chunks of whole lines, without the last line break (the COPY adapters add one). */
export async function* wholeLines(file: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    const text = rest + chunk;
    const nl = text.lastIndexOf('\n');
    if (nl === -1) {
      rest = text;
      continue;
    }
    if (nl > 0) yield text.slice(0, nl);
    rest = text.slice(nl + 1);
  }
  if (rest.length > 0) yield rest;
}
