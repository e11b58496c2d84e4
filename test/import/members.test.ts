import { beforeAll, describe, expect, it } from 'vitest';
import { importWorkspace, ndjson, type ImportWorkspace } from './workspace.js';

interface MemberRow {
  member_id: string;
  joined_at: Date;
  name: string | null;
  birthday: string | null;
  tier_id: string | null;
}

const MEMBERS = "SELECT member_id, joined_at, name, birthday, tier_id FROM members WHERE merchant_id = 'acme' ORDER BY member_id";

let w: ImportWorkspace;
beforeAll(async () => {
  w = await importWorkspace();
}, 120_000);

describe('import members', () => {
  it('imports NDJSON and CSV, and a re-import sets joinedAt, name and birthday from the file', async () => {
    const first = await w.cli(
      ['import', 'members', '-'],
      ndjson(
        { merchant: 'acme', member: 'ann', joinedAt: '2025-01-01T00:00:00+08:00', name: 'Ann', birthday: '02-29' },
        { merchant: 'acme', member: 'ben', joinedAt: '2025-02-01T00:00:00Z', birthday: '1990-12-31' },
        { merchant: 'bare', member: 'cat', joinedAt: '2025-02-01T00:00:00Z', name: null },
      ),
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('Imported 3 members: 3 new, 0 updated\n');
    expect(await w.query<MemberRow>(MEMBERS)).toEqual([
      { member_id: 'ann', joined_at: new Date('2024-12-31T16:00:00Z'), name: 'Ann', birthday: '02-29', tier_id: null },
      { member_id: 'ben', joined_at: new Date('2025-02-01T00:00:00Z'), name: null, birthday: '1990-12-31', tier_id: null },
    ]);

    await w.query("UPDATE members SET tier_id = 'bronze' WHERE merchant_id = 'acme' AND member_id = 'ann'");
    await w.dir.write({ 'm.csv': 'merchant,member,joinedAt,name,birthday\r\nacme,ann,2024-06-01T00:00:00Z,"Ann, Jr.",\r\nacme,dan,2025-03-01T00:00:00Z,Dan,2000-02-29\r\n' });
    const again = await w.cli(['import', 'members', 'm.csv', '--format', 'json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ inserted: 1, updated: 1, rejected: [] });
    const rows = await w.query<MemberRow>(MEMBERS);
    expect(rows.find((m) => m.member_id === 'ann')).toEqual({ member_id: 'ann', joined_at: new Date('2024-06-01T00:00:00Z'), name: 'Ann, Jr.', birthday: null, tier_id: 'bronze' });
    expect(rows.find((m) => m.member_id === 'dan')?.birthday).toBe('2000-02-29');
  });

  it('rejects bad birthdays, instants, merchants and duplicates by line, and writes nothing', async () => {
    const before = await w.query(MEMBERS);
    const m = (o: Record<string, unknown>): Record<string, unknown> => ({ merchant: 'acme', member: 'x', joinedAt: '2025-01-01T00:00:00Z', ...o });
    const r = await w.cli(
      ['import', 'members', '-', '--format', 'json'],
      ndjson(
        m({ member: 'e1', birthday: '02-30' }), // 1
        m({ member: 'e2', birthday: '13-01' }), // 2
        m({ member: 'e3', birthday: '2025-02-29' }), // 3: not a leap year
        m({ member: 'e4', birthday: '2024-02-29' }), // 4: fine
        m({ member: 'e5', joinedAt: '2025-01-01' }), // 5
        m({ member: 'e6', merchant: 'ghost' }), // 6
        m({ member: 'e4' }), // 7: duplicate of 4
        m({ member: 'e8', name: 5 }), // 8
        { merchant: 'acme', member: 'e9' }, // 9
        m({ member: 'e10', tier: 'gold' }), // 10
      ),
    );
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout) as { inserted: number; updated: number; rejected: { line: number; message: string }[] };
    expect(body.inserted).toBe(0);
    expect(body.rejected.map((p) => p.line)).toEqual([1, 2, 3, 5, 6, 7, 8, 9, 10]);
    expect(body.rejected.find((p) => p.line === 7)?.message).toBe('member e4 of merchant acme appears again (first on line 4)');
    expect(body.rejected.find((p) => p.line === 9)?.message).toMatch(/joinedAt/);
    expect(await w.query(MEMBERS)).toEqual(before);
  });
});
