/**
 * `import points` (SPEC v1.1 §4.5): the append-only points ledger through the import pipeline:
 * NDJSON and CSV, integer points, unknown merchants refused, line numbers in every problem, all
 * or nothing, an identical re-import a no-op and a changed entry refused (import.points-changed).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { importWorkspace, ndjson, type ImportWorkspace } from './workspace.js';

const LEDGER = `SELECT merchant_id, entry_id, member_id, points::text AS points, at, reason, import_seq::text AS import_seq
                  FROM points_ledger ORDER BY merchant_id, entry_id`;
const MEMBERS = 'SELECT merchant_id, member_id, joined_at FROM members ORDER BY merchant_id, member_id';

interface LedgerRow {
  merchant_id: string;
  entry_id: string;
  member_id: string;
  points: string;
  at: Date;
  reason: string | null;
  import_seq: string;
}

const entry = (e: Record<string, unknown>): Record<string, unknown> => ({
  merchant: 'acme',
  entry: 'e1',
  member: 'm1',
  points: 100,
  at: '2026-02-01T10:00:00+08:00',
  ...e,
});

let w: ImportWorkspace;
beforeAll(async () => {
  w = await importWorkspace();
}, 120_000);

describe('import points', () => {
  it('imports NDJSON and CSV: earned and redeemed points, reasons, one import_seq per import, members registered at their earliest entry', async () => {
    const first = await w.cli(
      ['import', 'points', '-'],
      ndjson(
        entry({ entry: 'p1', member: 'pia', points: 120, at: '2026-02-03T10:00:00+08:00', reason: 'order A1' }),
        entry({ entry: 'p2', member: 'pia', points: '-50', at: '2026-02-01T09:30:00Z', reason: 'redeemed' }),
        entry({ entry: 7, member: 'yoko', merchant: 'bare', points: '+30' }),
      ),
    );
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('Imported 3 points entries: 3 new, 0 updated; registered 2 new members\n');

    const csv = ['\uFEFFmerchant,entry,member,points,at,reason', 'acme,c1,pia,40,2026-02-05T00:00:00Z,', 'acme,"c,2",cleo,5,2026-02-06T00:00:00-05:00,"a ""bonus"""'].join('\r\n');
    const second = await w.cli(['import', 'points', '-', '--input-format', 'csv', '--format', 'json'], csv);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ inserted: 2, updated: 0, rejected: [] });

    const rows = await w.query<LedgerRow>(LEDGER);
    expect(rows.map((r) => [r.merchant_id, r.entry_id, r.member_id, r.points, r.reason])).toEqual([
      ['acme', 'c,2', 'cleo', '5', 'a "bonus"'],
      ['acme', 'c1', 'pia', '40', null],
      ['acme', 'p1', 'pia', '120', 'order A1'],
      ['acme', 'p2', 'pia', '-50', 'redeemed'],
      ['bare', '7', 'yoko', '30', null],
    ]);
    expect(rows.find((r) => r.entry_id === 'p1')!.at.toISOString()).toBe('2026-02-03T02:00:00.000Z');
    const seqOf = (id: string): bigint => BigInt(rows.find((r) => r.entry_id === id)!.import_seq);
    expect(seqOf('p1')).toBe(seqOf('7'));
    expect(seqOf('c1')).toBe(seqOf('c,2'));
    expect(seqOf('c1')).toBeGreaterThan(seqOf('p1'));
    const members = await w.query<{ merchant_id: string; member_id: string; joined_at: Date }>(MEMBERS);
    expect(members.find((m) => m.member_id === 'pia')?.joined_at.toISOString()).toBe('2026-02-01T09:30:00.000Z');
    expect(members.find((m) => m.member_id === 'yoko')?.merchant_id).toBe('bare');
  });

  it('re-importing the same entries writes nothing; an entry with other values is refused with import.points-changed and nothing is written', async () => {
    const file = ndjson(entry({ entry: 'r1', member: 'rex', points: 10, reason: 'x' }), entry({ entry: 'r2', member: 'rex', points: 20 }));
    expect((await w.cli(['import', 'points', '-'], file)).code).toBe(0);
    const before = await w.query<LedgerRow>(LEDGER);

    const same = await w.cli(['import', 'points', '-'], file);
    expect(same.code).toBe(0);
    expect(same.stdout).toBe('Imported 2 points entries: 0 new, 0 updated, 2 unchanged\n');
    // The same instant written with another offset is the same value.
    const sameInstant = await w.cli(['import', 'points', '-'], ndjson(entry({ entry: 'r2', member: 'rex', points: 20, at: '2026-02-01T02:00:00Z' })));
    expect(sameInstant.stdout).toBe('Imported 1 points entries: 0 new, 0 updated, 1 unchanged\n');
    expect(await w.query<LedgerRow>(LEDGER)).toEqual(before);

    const changed = await w.cli(
      ['import', 'points', '-', '--format', 'json'],
      ndjson(
        entry({ entry: 'r3', member: 'rex', points: 5 }), // 1: new, fine on its own
        entry({ entry: 'r1', member: 'rex', points: 11, reason: 'x' }), // 2: other points
        entry({ entry: 'r2', member: 'rex', points: 20, reason: 'late' }), // 3: a reason added
        entry({ entry: 'r1', member: 'rex', points: 10, reason: 'x' }), // 4: as stored, but r1 twice in the file
      ),
    );
    expect(changed.code).toBe(1);
    const body = JSON.parse(changed.stdout) as { inserted: number; rejected: { line: number; code?: string; message: string }[] };
    expect(body.inserted).toBe(0);
    expect(body.rejected.map((p) => [p.line, p.code])).toEqual([
      [2, 'import.points-changed'],
      [3, 'import.points-changed'],
      [4, undefined],
    ]);
    expect(body.rejected[0]!.message).toMatch(/entry r1 .*points 10.*append-only/);
    expect(body.rejected[2]!.message).toMatch(/r1 .*appears again \(first on line 2\)/);

    const text = await w.cli(['import', 'points', '-'], ndjson(entry({ entry: 'r2', member: 'rita', points: 20 })));
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^line 1: import\.points-changed: entry r2 is already in the ledger with other values \(member rex/);
    expect(text.stdout).toContain('Import failed: 1 invalid line; nothing was written.');
    expect(await w.query<LedgerRow>(LEDGER)).toEqual(before);
  });

  it('reports every bad line with its number and writes nothing: non-integer points, unknown merchants, bad instants, missing fields', async () => {
    const ledgerBefore = await w.query(LEDGER);
    const membersBefore = await w.query(MEMBERS);
    const lines = [
      JSON.stringify(entry({ entry: 'ok', member: 'nobody' })), // 1: fine
      JSON.stringify(entry({ entry: 'b2', points: 1.5 })), // 2
      JSON.stringify(entry({ entry: 'b3', points: '12.0' })), // 3
      JSON.stringify(entry({ entry: 'b4', points: 'many' })), // 4
      JSON.stringify(entry({ entry: 'b5', points: 2 ** 60 })), // 5: beyond a whole number JSON can carry exactly
      JSON.stringify(entry({ entry: 'b6', merchant: 'ghost' })), // 6
      JSON.stringify(entry({ entry: 'b7', at: '2026-02-01' })), // 7
      JSON.stringify({ merchant: 'acme', entry: 'b8', member: 'm', at: '2026-02-01T00:00:00Z' }), // 8: no points
      JSON.stringify(entry({ entry: 'b9', bonus: true })), // 9
      JSON.stringify(entry({ entry: 'b10', reason: 5 })), // 10
    ];
    const r = await w.cli(['import', 'points', '-', '--format', 'json'], lines.join('\n'));
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout) as { inserted: number; rejected: { line: number; message: string }[] };
    expect(body.inserted).toBe(0);
    expect(body.rejected.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const message = (line: number): string => body.rejected.find((p) => p.line === line)!.message;
    for (const line of [2, 3, 4, 5]) expect(message(line)).toMatch(/points must be a whole number/);
    expect(message(6)).toMatch(/unknown merchant 'ghost'/);
    expect(message(7)).toMatch(/at /);
    expect(message(8)).toMatch(/missing field 'points'/);
    expect(message(9)).toMatch(/bonus/);
    expect(message(10)).toMatch(/reason/);
    expect(await w.query(LEDGER)).toEqual(ledgerBefore);
    expect(await w.query(MEMBERS)).toEqual(membersBefore);
  });
});
