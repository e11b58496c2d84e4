import { describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';

/** Tables that are not per merchant (reference tables on Citus, see docs/guide/scaling.md). */
const REFERENCE_TABLES = new Set(['catalog']);

interface Table {
  name: string;
  file: string;
  body: string;
}

async function migrationTables(): Promise<{ tables: Table[]; sql: string }> {
  const dir = join(ROOT, 'migrations');
  const tables: Table[] = [];
  let sql = '';
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()) {
    const text = (await readFile(join(dir, file), 'utf8')).replace(/--.*$/gm, '');
    sql += text;
    for (const m of text.matchAll(/CREATE TABLE\s+(?:IF NOT EXISTS\s+)?(\w+)\s*\(([\s\S]*?)\n\);/g)) tables.push({ name: m[1]!, file, body: m[2]! });
  }
  return { tables, sql };
}

function primaryKey(t: Table): string[] {
  const table = /PRIMARY KEY\s*\(([^)]*)\)/.exec(t.body);
  if (table) return table[1]!.split(',').map((c) => c.trim());
  const column = /^\s*(\w+)\s+[^,\n]*PRIMARY KEY/m.exec(t.body);
  return column ? [column[1]!] : [];
}

describe('docs/guide/scaling.md against migrations/', () => {
  it('every table but the reference tables has merchant_id first in its primary key, unique keys and foreign keys', async () => {
    const { tables, sql } = await migrationTables();
    expect(tables.length).toBeGreaterThan(5);
    for (const t of tables) {
      if (REFERENCE_TABLES.has(t.name)) continue;
      expect(primaryKey(t)[0], `${t.file}: ${t.name}`).toBe('merchant_id');
      for (const u of t.body.matchAll(/UNIQUE\s*\(([^)]*)\)/g)) expect(u[1], `${t.name}: UNIQUE (${u[1]})`).toMatch(/\bmerchant_id\b/);
      for (const r of t.body.matchAll(/REFERENCES\s+\w+\s*\(([^)]*)\)/g)) expect(r[1], `${t.name}: REFERENCES (${r[1]})`).toMatch(/\bmerchant_id\b/);
    }
    for (const u of sql.matchAll(/CREATE UNIQUE INDEX\s+\w+\s+ON\s+(\w+)\s*\(([^)]*)\)/g)) {
      if (!REFERENCE_TABLES.has(u[1]!)) expect(u[2]!.split(',')[0]!.trim(), `unique index on ${u[1]}`).toBe('merchant_id');
    }
  });

  it('the page names every table as distributed or reference, and asks for no SQL step', async () => {
    const page = await readFile(join(ROOT, 'docs/guide/scaling.md'), 'utf8');
    const { tables } = await migrationTables();
    for (const t of tables) expect(page, `${t.name} (${t.file})`).toContain(`\`${t.name}\``);
    // db migrate distributes the schema itself (src/store/distribute.ts): the page shows commands.
    expect(page).not.toMatch(/SELECT create_(?:distributed|reference)_table/);
    expect(page).toContain('tierform db migrate');
  });
});
