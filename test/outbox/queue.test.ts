/**
 * The outbox is a queue: oldest first by numeric id, pages of --limit after --after, and a note
 * when more remain. With 1,200 rows the old text ordering (1, 10, 100, 1000, …) and the silent cut
 * at 1,000 lost 2 and 999 among others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testDbUrlForSubprocess, withTestDb, type SubprocessDb } from '../helpers/db.js';
import { pageWaiting } from '../../src/outbox/index.js';
import { openDb } from '../../src/store/open.js';
import type { Queryable } from '../../src/store/db.js';

const ROWS = 1200;

async function fill(q: Queryable, merchant: string, from: number, to: number): Promise<void> {
  await q.query(
    `INSERT INTO outbox (merchant_id, idempotency_key, event, member_id, message, payload, version, created_at)
     SELECT $1, 'k' || g, 'upgrade', 'm' || g, 'message ' || g, '{}'::jsonb, 1, '2026-01-01T00:00:00Z'::timestamptz + g * interval '1 second'
       FROM generate_series($2::int, $3::int) g`,
    [merchant, from, to],
  );
}

describe('pageWaiting', () => {
  const t = withTestDb();

  it('returns ids in numeric order and pages through every row exactly once', async () => {
    await fill(t.db, 'acme', 1, ROWS);
    const first = await pageWaiting(t.db, { limit: 1000 });
    const ids = first.entries.map((e) => e.id);
    expect(ids.slice(0, 3)).toEqual([ids[0], ids[0]! + 1, ids[0]! + 2]);
    const base = ids[0]! - 1;
    expect(ids).toContain(base + 2);
    expect(ids).toContain(base + 999);
    expect(first.nextAfter).toBe(base + 1000);

    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = await pageWaiting(t.db, { merchant: 'acme', limit: 250, after });
      seen.push(...page.entries.map((e) => e.id));
      if (page.nextAfter === null) break;
      after = page.nextAfter;
    }
    expect(seen).toEqual(Array.from({ length: ROWS }, (_, i) => base + 1 + i));
  });

  it('says nothing remains when the last page is exactly full', async () => {
    const all = await pageWaiting(t.db, { merchant: 'acme', limit: ROWS });
    expect(all.entries).toHaveLength(ROWS);
    expect(all.nextAfter).toBeNull();
  });
});

describe('tierform outbox list', () => {
  let db: SubprocessDb;
  beforeAll(async () => {
    db = await testDbUrlForSubprocess();
    expect((await runCli(['db', 'migrate', ...db.args])).code).toBe(0);
    const target = db.kind === 'pg' ? { db: db.args[1] } : { dataDir: db.args[1] };
    const q = await openDb({ ...target, env: {}, cwd: process.cwd(), lockTimeoutMs: 10_000, migrate: false, checkSchema: false });
    try {
      await fill(q, 'acme', 1, ROWS);
    } finally {
      await q.close();
    }
  }, 60_000);
  afterAll(async () => db.cleanup());

  it('shows 100 oldest first by default and says how to get the rest; paging covers all 1,200', async () => {
    const first = await runCli(['outbox', 'list', ...db.args]);
    expect(first.code).toBe(0);
    const idsOf = (text: string): number[] =>
      text.split('\n').filter((l) => l.startsWith('acme ')).map((l) => Number(l.split(/\s+/)[1]));
    expect(idsOf(first.stdout)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(first.stdout).toContain('more remain: --after 100');

    const seen: number[] = [];
    let after = '0';
    for (let pages = 0; pages < 10; pages += 1) {
      const r = await runCli(['outbox', 'list', '--limit', '500', '--after', after, '--format', 'json', ...db.args]);
      expect(r.code).toBe(0);
      seen.push(...(JSON.parse(r.stdout) as { id: number }[]).map((e) => e.id));
      const more = /more remain: --after (\d+)/.exec(r.stderr);
      if (!more) break;
      after = more[1]!;
    }
    expect(seen).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(seen).toContain(2);
    expect(seen).toContain(999);
  }, 60_000);

  it('prints notification bodies and member ids escaped: no ESC, no bidi control, one line per row', async () => {
    const target = db.kind === 'pg' ? { db: db.args[1] } : { dataDir: db.args[1] };
    const q = await openDb({ ...target, env: {}, cwd: process.cwd(), lockTimeoutMs: 10_000, migrate: false, checkSchema: false });
    try {
      await q.query(
        `INSERT INTO outbox (merchant_id, idempotency_key, event, member_id, message, payload, version, created_at)
         VALUES ('evil', 'k1', 'upgrade', $1, $2, '{}'::jsonb, 1, '2026-01-01T00:00:00Z')`,
        ['m\u202e1', 'Hi\u001b[2J\u001b]0;owned\u0007\n::warning::x'],
      );
    } finally {
      await q.close();
    }
    const r = await runCli(['outbox', 'list', 'evil', ...db.args]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(r.stdout).toContain('Hi\\u001b[2J');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('evil'))).toHaveLength(1);
    const json = await runCli(['outbox', 'list', 'evil', '--format', 'json', ...db.args]);
    expect((JSON.parse(json.stdout) as { message: string }[])[0]!.message).toBe('Hi\u001b[2J\u001b]0;owned\u0007\n::warning::x');
  });

  it('refuses a bad --limit or --after with a usage error', async () => {
    for (const bad of [['--limit', '0'], ['--limit', 'ten'], ['--after', '-1']]) {
      const r = await runCli(['outbox', 'list', ...bad, ...db.args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error usage\.[a-z-]+: .*\nusage: tierform outbox list/);
    }
  });
});
