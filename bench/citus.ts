/**
 * The engine bench on a Citus cluster (SPEC §4.8): TIERFORM_BENCH_CITUS_URL names an empty
 * database with Citus ready on every node (`cluster.sh createdb`). The same measurements as the
 * engine section — imports through the import code, the daily evaluation, the recalculations and
 * their floor, all run through the coordinator — at TIERFORM_BENCH_SCALE (default here 0.01:
 * 10,000 members, 200,000 orders), plus where the merchant's shards live and how Citus plans
 * the recalculation step and the floor (router or not, which worker). Then several small
 * merchants placed on every worker, recalculated one after another and all at once
 * (bench/citusMerchants.ts; TIERFORM_BENCH_CITUS_MERCHANTS=0 leaves that out).
 *
 * What one machine can show: the coordinator and both workers share its cores, so the times say
 * what the distribution costs (statements planned, rows passed between nodes), not what a
 * cluster of separate machines would gain.
 */
import type { Db } from '../src/store/db.js';
import type { Statement } from '../src/store/statement.js';
import { benchEngine } from './engine.js';
import { benchCitusMerchants, planShape } from './citusMerchants.js';
import type { BenchSection } from './run.js';

export async function benchCitus(): Promise<BenchSection> {
  const url = process.env.TIERFORM_BENCH_CITUS_URL;
  if (!url) {
    return {
      title: 'Level engine on Citus',
      table: [],
      notes: ['Not run: set TIERFORM_BENCH_CITUS_URL to an empty database of a Citus cluster (docs/guide/scaling.md).'],
    };
  }
  process.env.TIERFORM_BENCH_SCALE ??= '0.01';
  const section = await benchEngine({ url, label: 'Citus: a coordinator and two workers on this machine', inspect });
  // Then several small merchants on every worker, recalculated one after another and all at once.
  if (Number(process.env.TIERFORM_BENCH_CITUS_MERCHANTS ?? 4) > 0) section.notes.push(...(await benchCitusMerchants(url)));
  return section;
}

async function inspect(db: Db, merchant: string, statements: { step: Statement; floor: Statement }): Promise<string[]> {
  const placement = await db.query<{ table_name: string; nodename: string; nodeport: number; shard_size: string }>(
    `SELECT s.table_name::text AS table_name, s.nodename, s.nodeport, s.shard_size::text AS shard_size
       FROM citus_shards s
      WHERE s.shardid = get_shard_id_for_distribution_column(s.table_name, $1::text)
        AND s.table_name::text IN ('members', 'orders', 'member_history', 'tierform.members', 'tierform.orders', 'tierform.member_history')
      ORDER BY 1`,
    [merchant],
  );
  const workers = await db.query<{ nodename: string; nodeport: number; shards: number; bytes: string }>(
    `SELECT nodename, nodeport, count(*)::int AS shards, sum(shard_size)::text AS bytes FROM citus_shards
      WHERE citus_table_type = 'distributed' GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const where = placement.rows.map((r) => `${r.table_name} on ${r.nodename}:${r.nodeport} (${mib(r.shard_size)})`).join(', ');
  const spread = workers.rows.map((r) => `${r.nodename}:${r.nodeport} ${r.shards} shards, ${mib(r.bytes)}`).join('; ');
  return [
    `Placement: the merchant's shard group — ${where}. All distributed shards per node: ${spread}. One merchant's rows sit on one worker: its recalculation runs there while the other worker idles, which is why several merchants (not one large one) are what a cluster spreads.`,
    `Plan of the recalculation step (one statement, CTEs that update members and insert history and grants): ${await planShape(db, statements.step)}. Plan of the floor: ${await planShape(db, statements.floor)}.`,
  ];
}

function mib(bytes: string | number): string {
  return `${(Number(bytes) / 2 ** 20).toFixed(1)} MiB`;
}
