/**
 * `tierform status` counts the members whose paid membership runs at --now, per plan (SPEC §5.1,
 * `paid`), through the command line: purchases imported, then status at several instants.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../members/workspace.js';
import { runCli } from '../helpers/cli.js';
import { paidProgram } from './helpers.js';

const T0 = '2026-01-01T00:00:00Z';

const line = (o: object): string => `${JSON.stringify(o)}\n`;
const buy = (purchase: string, member: string, plan: string, paidAt: string, status = 'paid'): string =>
  line({ merchant: 'acme', purchase, member, plan, paidAt, status });

let w: Workspace;

beforeAll(async () => {
  w = await workspace({
    'programs/acme/program.yaml': paidProgram({
      plans: [
        { id: 'plus', validity: { months: 12 } },
        { id: 'lite', validity: { months: 1 } },
      ],
    }),
    'programs/zeta/program.yaml': paidProgram({ merchant: 'zeta', type: 'levels' }),
  });
  const applied = await w.cli('apply', '--auto-approve', '--now', T0);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  const purchases =
    buy('p1', 'ann', 'plus', '2026-01-10T00:00:00Z') + // plus until 2027-01-10
    buy('p2', 'bob', 'lite', '2026-01-10T00:00:00Z') + // lite until 2026-02-10: expired by March
    buy('p3', 'cat', 'lite', '2026-02-20T00:00:00Z') + // lite until 2026-03-20
    buy('p4', 'dan', 'plus', '2026-01-15T00:00:00Z') + // plus, replaced by lite at 2026-02-25
    buy('p5', 'dan', 'lite', '2026-02-25T00:00:00Z') + //   lite until 2026-03-25
    buy('p6', 'eve', 'plus', '2026-01-20T00:00:00Z') + // refunded below: never counts
    buy('p7', 'fay', 'plus', '2026-01-05T00:00:00Z') + // plus, renewed: one member, counted once
    buy('p8', 'fay', 'plus', '2026-02-05T00:00:00Z');
  const imported = await runCli(['import', 'purchases', '-', '--format', 'json', '--now', '2026-02-26T00:00:00Z', ...w.db.args], {
    cwd: w.dir.dir,
    stdin: purchases,
  });
  expect(imported.stderr).toBe('');
  expect(JSON.parse(imported.stdout)).toMatchObject({ inserted: 8, rejected: [] });
  const refund = await runCli(['import', 'purchases', '-', '--format', 'json', '--now', '2026-02-27T00:00:00Z', ...w.db.args], {
    cwd: w.dir.dir,
    stdin: buy('p6', 'eve', 'plus', '2026-01-20T00:00:00Z', 'refunded'),
  });
  expect(JSON.parse(refund.stdout)).toMatchObject({ updated: 1, rejected: [] });
}, 180_000);

async function statusJson(now: string, merchant?: string): Promise<unknown> {
  const r = await w.cli('status', ...(merchant ? [merchant] : []), '--format', 'json', '--now', now);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe('status counts paid members per plan', () => {
  it('counts the memberships running at --now, not the expired, refunded or replaced ones', async () => {
    expect(await statusJson('2026-03-01T00:00:00Z', 'acme')).toMatchObject({ merchant: 'acme', type: 'paid', paid: { plus: 2, lite: 2 } });
    // Before bob's lite expired and before dan's replacement: dan counts under plus.
    expect(((await statusJson('2026-02-01T00:00:00Z', 'acme')) as { paid: unknown }).paid).toEqual({ lite: 1, plus: 3 });
    // cat's and dan's lite periods have ended; ann's and fay's plus run on.
    expect(((await statusJson('2026-04-01T00:00:00Z', 'acme')) as { paid: unknown }).paid).toEqual({ plus: 2 });
    // The end is exclusive: at cat's expiresAt she no longer counts.
    expect(((await statusJson('2026-03-20T00:00:00Z', 'acme')) as { paid: unknown }).paid).toEqual({ plus: 2, lite: 1 });
    // Everyone has lapsed: an empty object, not a missing field.
    expect(((await statusJson('2029-01-01T00:00:00Z', 'acme')) as { paid: unknown }).paid).toEqual({});
  });

  it('gives {} to a merchant without purchases, in the list of every merchant', async () => {
    const all = (await statusJson('2026-03-01T00:00:00Z')) as { merchant: string; paid: Record<string, number> }[];
    expect(all.map((s) => [s.merchant, s.paid])).toEqual([
      ['acme', { lite: 2, plus: 2 }],
      ['zeta', {}],
    ]);
  });

  it('shows a paid column in the text table', async () => {
    const r = await w.cli('status', '--now', '2026-03-01T00:00:00Z');
    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n').filter((l) => !/^[-\s]+$/.test(l));
    expect(header).toMatch(/members\s+paid\s*$/);
    expect(rows.find((l) => l.startsWith('acme'))).toMatch(/lite 2, plus 2\s*$/);
    expect(rows.find((l) => l.startsWith('zeta'))).toMatch(/\s-\s*$/);
  });
});
