import { describe, expect, it } from 'vitest';
import { withTestDb } from '../helpers/db.js';
import { pgErrorCode, PgCode } from '../../src/store/db.js';

const t = withTestDb();

describe('Db adapter', () => {
  it('returns jsonb parsed, timestamptz as Date, int8 and numeric as strings, date as text', async () => {
    const res = await t.db.query<Record<string, unknown>>(
      `SELECT $1::jsonb AS j, '2026-03-01T10:00:00Z'::timestamptz AS ts, 9007199254740993::int8 AS big,
              count(*) AS n, 1.50::numeric AS num, '2026-02-28'::date AS d, ARRAY[1, 2]::int8[] AS bigs,
              3::int4 AS i, true AS b, NULL::text AS nothing`,
      [JSON.stringify({ a: [1, { b: 'x' }] })],
    );
    expect(res.rows[0]).toEqual({
      j: { a: [1, { b: 'x' }] },
      ts: new Date('2026-03-01T10:00:00Z'),
      big: '9007199254740993',
      n: '1',
      num: '1.50',
      d: '2026-02-28',
      bigs: ['1', '2'],
      i: 3,
      b: true,
      nothing: null,
    });
    expect(res.rowCount).toBe(1);
  });

  it('binds Date, bigint and text parameters alike', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    const res = await t.db.query<{ at: Date; big: string; s: string }>('SELECT $1::timestamptz AS at, $2::int8 AS big, $3::text AS s', [at, 12345678901234n.toString(), "it's"]);
    expect(res.rows[0]).toEqual({ at, big: '12345678901234', s: "it's" });
  });

  it('reports rowCount for writes and selects', async () => {
    await t.db.query('CREATE TABLE rc_t (merchant_id text, n int)');
    const ins = await t.db.query('INSERT INTO rc_t VALUES ($1, 1), ($1, 2), ($1, 3)', ['m']);
    expect(ins.rowCount).toBe(3);
    const upd = await t.db.query('UPDATE rc_t SET n = n + 1 WHERE n > 1');
    expect(upd.rowCount).toBe(2);
    const none = await t.db.query('UPDATE rc_t SET n = 0 WHERE n > 100');
    expect(none.rowCount).toBe(0);
    const sel = await t.db.query('SELECT * FROM rc_t');
    expect(sel.rowCount).toBe(3);
  });

  it('commits a transaction that returns and rolls back one that throws', async () => {
    await t.db.query('CREATE TABLE tx_t (k text PRIMARY KEY)');
    const value = await t.db.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_t VALUES ($1)', ['kept']);
      return 42;
    });
    expect(value).toBe(42);
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_t VALUES ($1)', ['lost']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const err = await t.db
      .transaction(async (tx) => {
        await tx.query('INSERT INTO tx_t VALUES ($1)', ['lost2']);
        await tx.query('INSERT INTO tx_t VALUES ($1)', ['kept']);
      })
      .catch((e: unknown) => e);
    expect(pgErrorCode(err)).toBe(PgCode.uniqueViolation);
    const rows = await t.db.query<{ k: string }>('SELECT k FROM tx_t ORDER BY k');
    expect(rows.rows.map((r) => r.k)).toEqual(['kept']);
    // The engine is usable after a rollback.
    expect((await t.db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('runs multi-statement scripts inside a transaction', async () => {
    await t.db.transaction((tx) => tx.execScript('CREATE TABLE script_a (x int); INSERT INTO script_a VALUES (1); INSERT INTO script_a VALUES (2);'));
    expect((await t.db.query('SELECT count(*)::int AS n FROM script_a')).rows[0]).toEqual({ n: 2 });
  });

  describe('copyFrom', () => {
    it('loads text-format rows from an iterable and an async iterable', async () => {
      await t.db.query('CREATE TABLE copy_t (merchant_id text, id int, note text, at timestamptz)');
      const n = await t.db.copyFrom('COPY copy_t (merchant_id, id, note, at) FROM STDIN', ['m\t1\ttab\\there\t2026-01-01T00:00:00Z', 'm\t2\t\\N\t2026-01-02T00:00:00Z']);
      expect(n).toBe(2);
      async function* many(): AsyncGenerator<string> {
        for (let i = 3; i <= 20_002; i++) yield `m\t${i}\tnote ${i}\t2026-01-03T00:00:00Z`;
      }
      expect(await t.db.copyFrom('COPY copy_t (merchant_id, id, note, at) FROM STDIN', many())).toBe(20_000);
      const rows = await t.db.query<{ id: number; note: string | null }>('SELECT id, note FROM copy_t WHERE id <= 2 ORDER BY id');
      expect(rows.rows).toEqual([
        { id: 1, note: 'tab\there' },
        { id: 2, note: null },
      ]);
      expect((await t.db.query('SELECT count(*)::int AS n FROM copy_t')).rows[0]).toEqual({ n: 20_002 });
    });

    it('inside a transaction, rolls back with it', async () => {
      await t.db.query('CREATE TABLE copy_tx (id int)');
      await expect(
        t.db.transaction(async (tx) => {
          expect(await tx.copyFrom('COPY copy_tx (id) FROM STDIN', ['1', '2'])).toBe(2);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect((await t.db.query('SELECT count(*)::int AS n FROM copy_tx')).rows[0]).toEqual({ n: 0 });
    });

    it('fails on a bad row and loads nothing', async () => {
      await t.db.query('CREATE TABLE copy_bad (id int)');
      const err = await t.db.copyFrom('COPY copy_bad (id) FROM STDIN', ['1', 'not a number', '3']).catch((e: unknown) => e);
      expect(pgErrorCode(err)).toBe('22P02');
      expect((await t.db.query('SELECT count(*)::int AS n FROM copy_bad')).rows[0]).toEqual({ n: 0 });
      expect((await t.db.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    });

    it('fails with the error of a failing row source and loads nothing', async () => {
      await t.db.query('CREATE TABLE copy_src (id int)');
      function* rows(): Generator<string> {
        yield '1';
        throw new Error('line 2: bad input');
      }
      await expect(t.db.copyFrom('COPY copy_src (id) FROM STDIN', rows())).rejects.toThrow('line 2: bad input');
      expect((await t.db.query('SELECT count(*)::int AS n FROM copy_src')).rows[0]).toEqual({ n: 0 });
    });
  });
});
