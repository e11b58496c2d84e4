/**
 * Plan for 1,000 merchants (SPEC §6): one snapshot read of the live state plus the pure planner,
 * with the number of queries issued. Runs on the server when TIERFORM_BENCH_DATABASE_URL is set,
 * else on an in-memory embedded database.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { MembershipProgram } from '../src/generated/types.js';
import type { Db } from '../src/store/db.js';
import { openPglite } from '../src/store/pglite.js';
import { openPg } from '../src/store/pg.js';
import { migrate } from '../src/store/migrate.js';
import { CountingQueryable } from '../src/store/countingQueryable.js';
import { readSnapshot } from '../src/store/snapshot.js';
import { computePlan } from '../src/plan/compute.js';
import { applyPlan } from '../src/apply/applyPlan.js';
import type { DesiredProgram } from '../src/plan/types.js';
import type { BenchSection } from './run.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MERCHANTS = 1000;

export async function benchPlan(): Promise<BenchSection> {
  const url = process.env.TIERFORM_BENCH_DATABASE_URL;
  const db: Db = url ? openPg({ connectionString: url }) : await openPglite();
  try {
    await migrate(db);
    const base = parse(readFileSync(join(ROOT, 'programs/acme/program.yaml'), 'utf8')) as MembershipProgram;
    const desired = (edit: number): DesiredProgram[] =>
      Array.from({ length: MERCHANTS }, (_, i) => {
        const document = structuredClone(base);
        document.metadata.merchant = `bench-plan-${String(i).padStart(4, '0')}`;
        document.spec.effective = { mode: 'immediate' };
        const tiers = document.spec.levels?.tiers ?? [];
        if (tiers[0]) tiers[0].name = `Tier ${edit}`;
        return { path: `programs/${document.metadata.merchant}/program.yaml`, document };
      });

    const now = new Date('2026-11-23T00:00:00Z');
    const setup = performance.now();
    const created = computePlan(desired(0), await readSnapshot(db, { now }), now);
    await applyPlan(db, created, { now, actor: 'bench', sourceRef: null, lockTimeoutMs: 10_000, supersede: false, savedPlan: false });
    const setupMs = performance.now() - setup;

    const edited = desired(1);
    let best = Infinity;
    let queries = 0;
    let changes = 0;
    for (let i = 0; i < 3; i++) {
      const counting = new CountingQueryable(db);
      const t0 = performance.now();
      const snapshot = await readSnapshot(counting, { now });
      const plan = computePlan(edited, snapshot, now);
      best = Math.min(best, performance.now() - t0);
      queries = counting.count;
      changes = plan.merchants.reduce((n, m) => n + m.changes.length, 0);
    }
    return {
      title: `Plan for ${MERCHANTS.toLocaleString('en-US')} merchants (${url ? 'PostgreSQL server' : 'embedded PGlite'})`,
      table: [
        ['measure', 'time', 'queries', 'target'],
        [`plan: snapshot read + diff of ${MERCHANTS} merchants (${changes} changes)`, `${best.toFixed(0)} ms`, String(queries), 'a constant number of queries'],
        [`setup: create ${MERCHANTS} merchants with apply (one transaction each)`, `${setupMs.toFixed(0)} ms`, '—', '—'],
      ],
      notes: ['Best of 3 plans. The query count does not grow with the number of merchants or tiers (the snapshot reads merchants, versions, switches, member counts and the catalog once each).'],
    };
  } finally {
    await db.close();
  }
}
