/**
 * Start-up of a read command on the embedded database (issue: a read command within 1.5× of
 * opening PGlite and running one query). `tierform demo` builds its database in a temporary
 * directory; then, interleaved, each of these runs as a fresh process several times:
 *
 * - the floor: a Node script that opens PGlite on the same data directory, runs one query
 *   (the members count) and closes it;
 * - `tierform status` and `tierform members show <merchant> <member>` on that directory;
 * - `node -e 0` and `tierform --version`, to show what Node itself and tierform's entry cost.
 *
 * Medians are reported (the machine may be shared); the ratio is command ÷ floor.
 * TIERFORM_BENCH_STARTUP_RUNS sets the runs per case (default 7).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchSection } from './run.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'bin/tierform.js');

export async function benchStartup(): Promise<BenchSection> {
  const runs = Number(process.env.TIERFORM_BENCH_STARTUP_RUNS ?? 7);
  const dir = mkdtempSync(join(tmpdir(), 'tierform-bench-startup-'));
  try {
    console.error('bench startup: building the demo database…');
    execFileSync(process.execPath, [BIN, 'demo'], { cwd: dir, stdio: 'ignore' });
    const dataDir = join(dir, '.tierform/demo/db');
    const member = firstMember(dataDir);
    const floorScript = join(dir, 'floor.mjs');
    const pglite = pathToFileURL(join(ROOT, 'node_modules/@electric-sql/pglite/dist/index.js')).href;
    writeFileSync(
      floorScript,
      `import { PGlite } from ${JSON.stringify(pglite)};
const db = await PGlite.create(process.argv[2]);
const res = await db.query('SELECT count(*)::int AS n FROM tierform.members');
process.stdout.write(String(res.rows[0].n) + '\\n');
await db.close();
`,
    );
    const cases: [string, string[]][] = [
      ['floor: node script, PGlite.create on the data directory + one query', [floorScript, dataDir]],
      ['tierform status', [BIN, 'status', '--data-dir', dataDir]],
      [`tierform members show demo-shop ${member}`, [BIN, 'members', 'show', 'demo-shop', member, '--data-dir', dataDir]],
      ['node -e 0 (Node alone)', ['-e', '0']],
      ['tierform --version (Node + the CLI entry)', [BIN, '--version']],
    ];
    const times = cases.map(() => [] as number[]);
    for (let i = 0; i < runs; i++) {
      cases.forEach(([label, args], c) => {
        const t0 = performance.now();
        const res = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
        if (res.status !== 0) throw new Error(`bench startup: ${label} failed: ${res.stderr}`);
        times[c]!.push(performance.now() - t0);
      });
    }
    const medians = times.map(median);
    const floor = medians[0]!;
    return {
      title: 'Start-up of a read command on the embedded database',
      table: [
        ['measure', 'median', 'fastest', 'vs floor', 'target'],
        ...cases.map(([label], c) => [
          label,
          `${Math.round(medians[c]!)} ms`,
          `${Math.round(Math.min(...times[c]!))} ms`,
          c >= 3 ? '—' : `${(medians[c]! / floor).toFixed(2)}×`,
          c === 0 ? '1.00×' : c < 3 ? '≤ 1.5× floor' : '—',
        ]),
      ],
      notes: [
        `The demo's database (\`tierform demo\`, built in a temporary directory), each case a new process, ${runs} runs interleaved, medians. The floor opens PGlite on the same directory and counts the members; the commands also take the embedded lock, check the files' sizes and the schema version, and read what they print.`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function firstMember(dataDir: string): string {
  const out = execFileSync(process.execPath, [BIN, 'members', 'list', 'demo-shop', '--limit', '1', '--format', 'json', '--data-dir', dataDir], { encoding: 'utf8' });
  const first = (JSON.parse(out) as { member: string }[])[0]?.member;
  if (!first) throw new Error('bench startup: the demo database has no members');
  return first;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
