/*
 * The two ways an import writes: a first load (the file's merchant has no rows yet: its rows are
 * copied straight into the table) and a merge (new keys inserted, changed rows updated, unchanged rows left alone). Both
 * must leave the same state, reject the same files by line, and leave nothing when killed.
 */
import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { serverUrl } from '../helpers/db.js';
import { openPg } from '../../src/store/pg.js';
import { program } from '../apply/fixtures.js';
import { importWorkspace, ndjson, type ImportWorkspace, type OrderRow } from './workspace.js';
import { killImportWhileWaiting } from './killImport.js';

const ordersOf = (w: ImportWorkspace, merchant: string): Promise<OrderRow[]> =>
  w.query<OrderRow>(
    `SELECT merchant_id, order_id, member_id, amount_minor::text, refunded_minor::text, paid_at, status, tags, import_seq::text, consumed
       FROM orders WHERE merchant_id = $1 ORDER BY order_id`,
    [merchant],
  );
const membersOf = (w: ImportWorkspace, merchant: string): Promise<{ member_id: string; joined_at: Date; name: string | null; birthday: string | null }[]> =>
  w.query('SELECT member_id, joined_at, name, birthday FROM members WHERE merchant_id = $1 ORDER BY member_id', [merchant]);

const MERCHANTS = ['first', 'twin', 'fresh', 'killed'];

let w: ImportWorkspace;
beforeAll(async () => {
  w = await importWorkspace();
  await w.dir.write(Object.fromEntries(MERCHANTS.map((m) => [`programs/${m}/program.yaml`, program({ merchant: m })])));
  const applied = await w.cli(['apply', 'programs', '--auto-approve', '--now', '2026-01-01T00:00:00Z']);
  if (applied.code !== 0) throw new Error(`apply failed: ${applied.stdout}${applied.stderr}`);
}, 120_000);

/** Orders of one merchant: several members, refunds, tags, a member with two orders. */
const orders = (merchant: string): string =>
  ndjson(
    { merchant, order: 'p1', member: 'ann', amount: '12.50', paidAt: '2026-02-03T10:00:00+08:00', status: 'paid', tags: ['sale', 'vip'] },
    { merchant, order: 'p2', member: 'ann', amount: '7', refunded: '2.25', paidAt: '2026-02-01T09:30:00Z', status: 'paid' },
    { merchant, order: 'p3', member: 'bob', amount: '5', paidAt: '2026-03-01T00:00:00Z', status: 'cancelled' },
    { merchant, order: 'p4', member: 'cy', amount: '30', refunded: '30', paidAt: '2026-01-20T00:00:00Z', status: 'refunded' },
  );

const withoutMerchant = <T extends { merchant_id: string }>(rows: T[]): Omit<T, 'merchant_id'>[] =>
  rows.map(({ merchant_id: _m, ...rest }) => rest);

describe('import paths', () => {
  it('a first load and a merge of the same file leave the same orders and members', async () => {
    // `twin` already has an order, so its import merges; `first` has none, so its import is a first load.
    const seeded = await w.cli(['import', 'orders', '-'], ndjson({ merchant: 'twin', order: 'z0', member: 'zed', amount: '1', paidAt: '2025-12-01T00:00:00Z', status: 'paid' }));
    expect(seeded.code).toBe(0);
    const first = await w.cli(['import', 'orders', '-'], orders('first'));
    const twin = await w.cli(['import', 'orders', '-'], orders('twin'));
    expect(first.stdout).toBe('Imported 4 orders: 4 new, 0 updated; registered 3 new members\n');
    expect(twin.stdout).toBe(first.stdout);

    const a = await ordersOf(w, 'first');
    const b = (await ordersOf(w, 'twin')).filter((o) => o.order_id !== 'z0');
    const sansSeq = (rows: OrderRow[]) => withoutMerchant(rows).map(({ import_seq: _s, ...rest }) => rest);
    expect(sansSeq(b)).toEqual(sansSeq(a));
    expect(a.map((o) => o.amount_minor)).toEqual(['1250', '700', '500', '3000']);
    expect(new Set(a.map((o) => o.import_seq)).size).toBe(1);
    expect(new Set(b.map((o) => o.import_seq)).size).toBe(1);
    expect((await membersOf(w, 'twin')).filter((m) => m.member_id !== 'zed')).toEqual(await membersOf(w, 'first'));
    expect((await membersOf(w, 'first')).find((m) => m.member_id === 'ann')?.joined_at.toISOString()).toBe('2026-02-01T09:30:00.000Z');
  });

  it('a re-import writes only the changed rows: they take the new import_seq, unchanged rows keep theirs', async () => {
    const before = await ordersOf(w, 'first');
    const same = await w.cli(['import', 'orders', '-', '--format', 'json'], orders('first'));
    expect(JSON.parse(same.stdout)).toEqual({ inserted: 0, updated: 0, rejected: [] });
    expect(await ordersOf(w, 'first')).toEqual(before);
    const text = await w.cli(['import', 'orders', '-'], orders('first'));
    expect(text.stdout).toBe('Imported 4 orders: 0 new, 0 updated, 4 unchanged\n');

    const changed = orders('first').replace('"order":"p3","member":"bob","amount":"5"', '"order":"p3","member":"bob","amount":"6"');
    const again = await w.cli(['import', 'orders', '-'], changed + ndjson({ merchant: 'first', order: 'p5', member: 'dee', amount: '2', paidAt: '2026-03-02T00:00:00Z', status: 'paid' }));
    expect(again.stdout).toBe('Imported 5 orders: 1 new, 1 updated, 3 unchanged; registered 1 new member\n');
    const after = await ordersOf(w, 'first');
    const seqOf = (rows: OrderRow[], id: string): bigint => BigInt(rows.find((o) => o.order_id === id)!.import_seq);
    expect(seqOf(after, 'p3')).toBeGreaterThan(seqOf(before, 'p3'));
    expect(seqOf(after, 'p5')).toBe(seqOf(after, 'p3'));
    for (const id of ['p1', 'p2', 'p4']) expect(seqOf(after, id)).toBe(seqOf(before, id));
    expect(after.find((o) => o.order_id === 'p3')?.amount_minor).toBe('600');
  });

  it('a duplicate in a first load is reported by line and writes nothing, orders or members', async () => {
    const r = await w.cli(
      ['import', 'orders', '-'],
      ndjson(
        { merchant: 'fresh', order: 'f1', member: 'fay', amount: '1', paidAt: '2026-02-01T00:00:00Z', status: 'paid' },
        { merchant: 'fresh', order: 'f2', member: 'fay', amount: '1', paidAt: '2026-02-01T00:00:00Z', status: 'paid' },
        { merchant: 'fresh', order: 'f1', member: 'gus', amount: '1', paidAt: '2026-02-01T00:00:00Z', status: 'paid' },
      ),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('line 3: order f1 of merchant fresh appears again (first on line 1)\nImport failed: 1 invalid line; nothing was written.\n');
    expect(await ordersOf(w, 'fresh')).toEqual([]);
    expect(await membersOf(w, 'fresh')).toEqual([]);

    const members = await w.cli(
      ['import', 'members', '-', '--format', 'json'],
      ndjson({ merchant: 'fresh', member: 'hal', joinedAt: '2025-01-01T00:00:00Z' }, { merchant: 'fresh', member: 'hal', joinedAt: '2025-02-01T00:00:00Z' }),
    );
    expect(members.code).toBe(1);
    expect(JSON.parse(members.stdout)).toEqual({ inserted: 0, updated: 0, rejected: [{ line: 2, message: 'member hal of merchant fresh appears again (first on line 1)' }] });
    expect(await membersOf(w, 'fresh')).toEqual([]);
  });

  it('a duplicate of a stored order in a merge is reported by line even when neither line changes it', async () => {
    const before = await ordersOf(w, 'first');
    const line = JSON.stringify({ merchant: 'first', order: 'p1', member: 'ann', amount: '12.50', paidAt: '2026-02-03T10:00:00+08:00', status: 'paid', tags: ['sale', 'vip'] });
    const r = await w.cli(['import', 'orders', '-', '--format', 'json'], `${line}\n${line}\n`);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ inserted: 0, updated: 0, rejected: [{ line: 2, message: 'order p1 of merchant first appears again (first on line 1)' }] });
    expect(await ordersOf(w, 'first')).toEqual(before);
  });

  it('a members re-import updates the changed members only and first loads match merges', async () => {
    const file = (merchant: string, name: string): string =>
      ndjson(
        { merchant, member: 'ivy', joinedAt: '2025-01-01T00:00:00Z', name: 'Ivy', birthday: '02-29' },
        { merchant, member: 'jon', joinedAt: '2025-02-01T00:00:00+08:00', name, birthday: '1990-12-31' },
      );
    const first = await w.cli(['import', 'members', '-'], file('killed', 'Jon')); // no members yet: a first load
    expect(first.stdout).toBe('Imported 2 members: 2 new, 0 updated\n');
    const twin = await w.cli(['import', 'members', '-'], file('twin', 'Jon')); // twin has members: a merge
    expect(twin.stdout).toBe(first.stdout);
    expect((await membersOf(w, 'twin')).filter((m) => ['ivy', 'jon'].includes(m.member_id))).toEqual(await membersOf(w, 'killed'));
    const again = await w.cli(['import', 'members', '-'], file('killed', 'Jonathan'));
    expect(again.stdout).toBe('Imported 2 members: 0 new, 1 updated, 1 unchanged\n');
    expect((await membersOf(w, 'killed')).map((m) => m.name)).toEqual(['Ivy', 'Jonathan']);
    await w.query("DELETE FROM members WHERE merchant_id = 'killed'");
  });

  it('a file that starts as a first load and then names another merchant is merged whole, with one import_seq', async () => {
    const order = (merchant: string, id: string, member: string) => ({ merchant, order: id, member, amount: '3', paidAt: '2026-02-05T00:00:00Z', status: 'paid' });
    const duplicate = await w.cli(['import', 'orders', '-'], ndjson(order('fresh', 'q1', 'ann'), order('twin', 'q1', 'ann'), order('fresh', 'q2', 'bea'), order('fresh', 'q1', 'cy')));
    expect(duplicate.code).toBe(1);
    expect(duplicate.stdout).toBe('line 4: order q1 of merchant fresh appears again (first on line 1)\nImport failed: 1 invalid line; nothing was written.\n');
    expect(await ordersOf(w, 'fresh')).toEqual([]);

    const before = await w.query<{ seq: string }>('SELECT max(import_seq)::text AS seq FROM orders');
    const r = await w.cli(['import', 'orders', '-'], ndjson(order('fresh', 'q1', 'ann'), order('twin', 'q1', 'ann'), order('fresh', 'q2', 'bea')));
    expect(r.stdout).toBe('Imported 3 orders: 3 new, 0 updated; registered 2 new members\n');
    const fresh = await ordersOf(w, 'fresh');
    const twin = (await ordersOf(w, 'twin')).filter((o) => o.order_id === 'q1');
    expect(fresh.map((o) => o.order_id)).toEqual(['q1', 'q2']);
    expect(new Set([...fresh, ...twin].map((o) => o.import_seq)).size).toBe(1);
    expect(BigInt(twin[0]!.import_seq)).toBeGreaterThan(BigInt(before[0]!.seq));
    expect((await membersOf(w, 'fresh')).map((m) => m.member_id)).toEqual(['ann', 'bea']);
  });
});

/*
 * A first load killed with SIGKILL while its COPY waits on a lock the test holds on `orders`
 * writes nothing (the same pattern as the merge's kill test in orders.test.ts; server only).
 */
if (serverUrl) describe('a first load killed mid-way', () => {
  it('leaves nothing written', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ merchant: 'killed', order: `k${i}`, member: `killed-${i % 50}`, amount: '1', paidAt: '2026-02-01T00:00:00Z', status: 'paid' })).join('\n');
    await writeFile(w.dir.path('first-kill.ndjson'), rows);
    const db = openPg({ connectionString: w.db.args[1]!, max: 2 });
    try {
      const { rows: none } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE merchant_id = 'killed'");
      expect(none[0]!.n).toBe(0);
      // A first load copies its rows straight into orders (a merge inserts from its staging table).
      const { waiting, signal } = await killImportWhileWaiting(db, w, 'first-kill.ndjson', '%COPY orders%');
      expect(waiting).toBe(true);
      expect(signal).toBe('SIGKILL');
      const { rows: left } = await db.query<{ orders: number; members: number }>(
        "SELECT (SELECT count(*)::int FROM orders WHERE merchant_id = 'killed') AS orders, (SELECT count(*)::int FROM members WHERE merchant_id = 'killed') AS members",
      );
      expect(left[0]).toEqual({ orders: 0, members: 0 });
    } finally {
      await db.close();
    }
  }, 60_000);
});
