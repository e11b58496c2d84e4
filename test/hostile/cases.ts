/**
 * The hostile corpus: files and input an attacker (a pull request, an import file, a planted
 * link) could hand tierform, each with the clear error code it must give. Driven through the CLI
 * by run.ts; counted into docs/security.md by scripts/hostile-report.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Category = 'path binding' | 'catalog' | 'number ranges' | 'unbounded reads' | 'YAML shape' | 'import input' | 'export and init';

export interface HostileCase {
  category: Category;
  name: string;
  /** Files of the repository the case runs in (a fresh one with a `.git`). */
  files?: Record<string, string>;
  /** Links, pipes and sparse files that a file tree cannot say. */
  setup?: (repo: string) => void;
  argv: string[];
  /** Runs against the shared database (its arguments are appended). */
  db?: boolean;
  /** The code the output must name. */
  code: string;
  exit?: number;
  /** Text that must not reach the output (content of a file outside the repository). */
  leak?: string;
  /** A check after the run: a description of what was written or lost, or undefined. */
  after?: (repo: string, cli: (argv: string[]) => Promise<{ code: number; stdout: string; stderr: string }>) => Promise<string | undefined> | string | undefined;
}

const tiers = (n: number): string =>
  Array.from({ length: n }, (_, i) => `      - id: t${i + 1}\n        name: Tier ${i + 1}\n        threshold: { amount: ${(i + 1) * 100} }\n`).join('');

/** A valid program of `merchant` (growth, two tiers) with `spec` lines replaced when given. */
export function program(merchant: string, o: { tiers?: number; subscription?: string; extra?: string } = {}): string {
  return `apiVersion: tierform.dev/v1
kind: MembershipProgram
metadata:
  merchant: ${merchant}
  subscription: ${o.subscription ?? 'growth'}
  timezone: Europe/Berlin
  currency: USD
spec:
  type: levels
  enabled: true
  effective:
    mode: immediate
  levels:
    upgrade:
      basis: accumulated
      window: { rolling: { months: 12 } }
    tiers:
${tiers(o.tiers ?? 2)}${o.extra ?? ''}`;
}

const catalogWith = (extra: string): string => `apiVersion: tierform.dev/v1
kind: PlanCatalog
metadata: { name: evil }
spec:
  switchLimit: { count: 5, windowHours: 24 }
  policies: { lockInRequiresSingleOrder: true, minValidity: { months: 1 } }
  subscriptions:
    growth: { levels: { maxTiers: 8, customRules: true }, paid: { maxPlans: 2 } }
${extra}`;

const fifo = (path: string): void => {
  execFileSync('mkfifo', [path]);
};
const link = (target: string, path: string): void => symlinkSync(target, path);
const outside = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'tierform-outside-'));
  writeFileSync(join(dir, 'secret.yaml'), 'root:x:0:0:SECRET-OUTSIDE\n');
  return dir;
};

/**
 * A pro program whose five tiers share one anchored list of 1,800 benefits: 140 KB written,
 * 1.35 MiB as block YAML once expanded, 0.75 MiB as JSON.
 */
function sharedBenefits(merchant: string): string {
  const list = `[ ${Array.from({ length: 1800 }, () => '{ type: discount, percentOff: 5, channels: [online_store, app, pos, kiosk] }').join(', ')} ]`;
  const body = Array.from({ length: 5 }, (_, i) => `      - id: t${i + 1}\n        name: Tier ${i + 1}\n        threshold: { amount: ${(i + 1) * 100} }\n        benefits: ${i === 0 ? `&bl ${list}` : '*bl'}\n`).join('');
  return program(merchant, { subscription: 'pro', tiers: 0 }) + body;
}

/** A program whose aliases expand it `times` × `size` characters of descriptions. */
function aliased(merchant: string, size: number, times: number): string {
  const benefits = [`          - { type: custom, description: &d "${'x'.repeat(size)}" }\n`];
  for (let i = 1; i < times; i++) benefits.push('          - { type: custom, description: *d }\n');
  return program(merchant, { tiers: 1 }).replace('threshold: { amount: 100 }\n', `threshold: { amount: 100 }\n        benefits:\n${benefits.join('')}`);
}

const ndjson = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const member = (id: string, merchant = 'victim'): object => ({ merchant, member: id, joinedAt: '2026-01-01T00:00:00Z' });
/** An id that does not compress (a repeated character would fit a btree entry once compressed). */
const longId = (n: number): string => randomBytes(n).toString('base64url').slice(0, n);

export const CASES: HostileCase[] = [
  // 13.3: a file may speak only for the merchant whose folder it is in.
  { category: 'path binding', name: 'nested programs/ claims another merchant (validate)', files: { 'programs/acme/program.yaml': program('acme'), 'programs/acme/programs/victim/program.yaml': program('victim', { tiers: 1 }) }, argv: ['validate'], code: 'merchant.nested-programs' },
  { category: 'path binding', name: 'nested programs/ claims another merchant (apply)', db: true, files: { 'programs/acme/program.yaml': program('acme'), 'programs/acme/programs/victim/program.yaml': program('victim', { tiers: 1 }) }, argv: ['apply', '--auto-approve', '--now', '2026-03-01T00:00:00Z'], code: 'merchant.nested-programs' },
  { category: 'path binding', name: 'nested programs/ with the real file: the duplicate is the nested one', files: { 'programs/acme/programs/victim/program.yaml': program('victim', { tiers: 1 }), 'programs/victim/program.yaml': program('victim') }, argv: ['validate', '--format', 'json'], code: '"path": "programs/acme/programs/victim/program.yaml"' },
  { category: 'path binding', name: 'nested programs/ named directly on the command line', files: { 'programs/acme/programs/victim/program.yaml': program('victim') }, argv: ['validate', 'programs/acme/programs/victim/program.yaml'], code: 'merchant.nested-programs' },
  { category: 'path binding', name: 'deeper nesting (programs/acme/x/programs/victim)', files: { 'programs/acme/x/programs/victim/program.yaml': program('victim') }, argv: ['validate'], code: 'merchant.nested-programs' },
  { category: 'path binding', name: 'file in acme/ declares victim', files: { 'programs/acme/victim.yaml': program('victim') }, argv: ['validate'], code: 'merchant.path-mismatch' },
  { category: 'path binding', name: 'configured program root: nested programs inside it', files: { 'tierform.yaml': 'programs: merchants\n', 'merchants/acme/programs/victim/program.yaml': program('victim') }, argv: ['validate'], code: 'merchant.nested-programs' },
  { category: 'path binding', name: 'tierform.yaml program root outside the repository', files: { 'tierform.yaml': 'programs: ../elsewhere\n' }, argv: ['validate'], code: 'config.invalid' },

  // 13.4: a pull request cannot raise its own caps with a catalog file.
  { category: 'catalog', name: 'catalog.yaml beside the program grants 8 tiers on growth', files: { 'programs/x/program.yaml': program('x', { tiers: 8 }), 'programs/x/catalog.yaml': catalogWith('') }, argv: ['validate'], code: 'caps.max-tiers' },
  { category: 'catalog', name: 'catalog.yaml beside the program is itself an error', files: { 'programs/x/program.yaml': program('x'), 'programs/x/catalog.yaml': catalogWith('') }, argv: ['validate'], code: 'catalog.misplaced' },
  { category: 'catalog', name: 'catalog at the program root', files: { 'programs/x/program.yaml': program('x', { tiers: 8 }), 'programs/catalog.yaml': catalogWith('') }, argv: ['validate'], code: 'caps.max-tiers' },
  { category: 'catalog', name: 'tierform.yaml catalog outside the repository', files: { 'tierform.yaml': 'catalog: ../../etc/catalog.yaml\n', 'programs/x/program.yaml': program('x') }, argv: ['validate'], code: 'config.invalid' },
  { category: 'catalog', name: '--catalog a link to /dev/zero', files: { 'programs/x/program.yaml': program('x') }, setup: (r) => link('/dev/zero', join(r, 'catalog.yaml')), argv: ['validate', '--catalog', 'catalog.yaml'], code: 'file.outside-root' },
  { category: 'catalog', name: '--catalog a directory', files: { 'programs/x/program.yaml': program('x'), 'cat/a.txt': '' }, argv: ['validate', '--catalog', 'cat'], code: 'file.not-regular' },
  { category: 'catalog', name: '--catalog a FIFO', files: { 'programs/x/program.yaml': program('x') }, setup: (r) => fifo(join(r, 'catalog.yaml')), argv: ['validate', '--catalog', 'catalog.yaml'], code: 'file.not-regular' },
  { category: 'catalog', name: 'catalog apply a link to a file outside', db: true, setup: (r) => link(join(outside(), 'secret.yaml'), join(r, 'catalog.yaml')), argv: ['catalog', 'apply', 'catalog.yaml'], code: 'file.outside-root', leak: 'SECRET-OUTSIDE' },

  // 13.5: numbers that reach SQL or date arithmetic.
  { category: 'number ranges', name: 'upgrade_points 99999999999999', files: { 'programs/x/program.yaml': program('x', { tiers: 1 }).replace('threshold: { amount: 100 }\n', 'threshold: { amount: 100 }\n        benefits: [{ type: upgrade_points, points: 99999999999999 }]\n') }, argv: ['validate'], code: 'schema.maximum' },
  { category: 'number ranges', name: 'validity months 99999999', files: { 'programs/x/program.yaml': program('x', { extra: '    downgrade: { mode: validity, validity: { months: 99999999 } }\n' }) }, argv: ['validate'], code: 'schema.maximum' },
  { category: 'number ranges', name: 'window days 1e20', files: { 'programs/x/program.yaml': program('x').replace('{ months: 12 }', '{ days: 1e20 }') }, argv: ['validate'], code: 'schema.maximum' },
  { category: 'number ranges', name: 'threshold orders 2^31', files: { 'programs/x/program.yaml': program('x').replace('{ amount: 200 }', '{ amount: 200, orders: 2147483648 }') }, argv: ['validate'], code: 'schema.maximum' },
  { category: 'number ranges', name: 'amount 2^63 minor units', files: { 'programs/x/program.yaml': program('x').replace('{ amount: 200 }', '{ amount: "92233720368547758.08" }') }, argv: ['validate'], code: 'money.range' },
  { category: 'number ranges', name: 'catalog apply windowHours 100000000', db: true, files: { 'c.yaml': catalogWith('').replace('windowHours: 24', 'windowHours: 100000000') }, argv: ['catalog', 'apply', 'c.yaml'], code: 'schema.maximum' },
  { category: 'number ranges', name: 'catalog apply maxTiers 1e9', db: true, files: { 'c.yaml': catalogWith('').replace('maxTiers: 8', 'maxTiers: 1000000000') }, argv: ['catalog', 'apply', 'c.yaml'], code: 'schema.maximum' },

  // 13.6: what a read can be made to swallow.
  { category: 'unbounded reads', name: 'program named on the command line is a link to /dev/zero', setup: (r) => link('/dev/zero', join(r, 'p.yaml')), argv: ['validate', 'p.yaml'], code: 'file.outside-root' },
  { category: 'unbounded reads', name: 'link to /dev/zero met while walking', setup: (r) => { mkdirSync(join(r, 'programs/x'), { recursive: true }); link('/dev/zero', join(r, 'programs/x/program.yaml')); }, argv: ['validate'], code: 'file.symlink' },
  { category: 'unbounded reads', name: 'FIFO named on the command line', setup: (r) => fifo(join(r, 'p.yaml')), argv: ['validate', 'p.yaml'], code: 'file.not-regular' },
  { category: 'unbounded reads', name: 'FIFO met while walking', setup: (r) => { mkdirSync(join(r, 'programs/x'), { recursive: true }); fifo(join(r, 'programs/x/program.yaml')); }, argv: ['validate'], code: 'file.not-regular' },
  { category: 'unbounded reads', name: '1.5 GB file (sparse) is refused from its size', setup: (r) => { writeFileSync(join(r, 'big.yaml'), ''); truncateSync(join(r, 'big.yaml'), 1536 * 1024 * 1024); }, argv: ['validate', 'big.yaml'], code: 'yaml.too-large' },
  { category: 'unbounded reads', name: 'link out of the repository named on the command line', setup: (r) => link(join(outside(), 'secret.yaml'), join(r, 'p.yaml')), argv: ['validate', 'p.yaml', '--format', 'github'], code: 'file.outside-root', leak: 'SECRET-OUTSIDE' },
  { category: 'unbounded reads', name: 'directory link out of the repository named on the command line', setup: (r) => link(outside(), join(r, 'programs')), argv: ['validate', 'programs'], code: 'file.outside-root', leak: 'SECRET-OUTSIDE' },
  { category: 'unbounded reads', name: 'link out of the repository met while walking', setup: (r) => { mkdirSync(join(r, 'programs')); link(join(outside(), 'secret.yaml'), join(r, 'programs/x.yaml')); }, argv: ['validate'], code: 'file.symlink', leak: 'SECRET-OUTSIDE' },
  { category: 'unbounded reads', name: 'tierform.yaml a link to /dev/zero (validate)', setup: (r) => link('/dev/zero', join(r, 'tierform.yaml')), argv: ['validate'], code: 'file.outside-root' },
  { category: 'unbounded reads', name: 'tierform.yaml a link to /dev/zero (plan)', db: true, setup: (r) => link('/dev/zero', join(r, 'tierform.yaml')), argv: ['plan', '--now', '2026-03-01T00:00:00Z'], code: 'file.outside-root' },
  { category: 'unbounded reads', name: 'tierform.yaml a FIFO (plan)', db: true, setup: (r) => fifo(join(r, 'tierform.yaml')), argv: ['plan', '--now', '2026-03-01T00:00:00Z'], code: 'file.not-regular' },
  { category: 'unbounded reads', name: 'tierform.yaml of 2 MiB', files: { 'tierform.yaml': `# ${'x'.repeat(2 * 1024 * 1024)}\n` }, argv: ['validate'], code: 'yaml.too-large' },

  // 13.10: YAML the parser cannot take as it is.
  { category: 'YAML shape', name: 'undefined alias', files: { 'p.yaml': 'apiVersion: *nope\n' }, argv: ['validate', 'p.yaml'], code: 'yaml.alias-undefined' },
  { category: 'YAML shape', name: 'alias used before its anchor', files: { 'p.yaml': 'a: *x\nb: &x 1\n' }, argv: ['validate', 'p.yaml'], code: 'yaml.alias-undefined' },
  { category: 'YAML shape', name: '1,000 nested flow sequences', files: { 'p.yaml': `a: ${'['.repeat(1000)}${']'.repeat(1000)}\n` }, argv: ['validate', 'p.yaml'], code: 'yaml.too-deep' },
  { category: 'YAML shape', name: '400,000 nested flow mappings', files: { 'p.yaml': `a: ${'{a: '.repeat(200000)}1${'}'.repeat(200000)}\n` }, argv: ['validate', 'p.yaml'], code: 'yaml.too-deep' },
  { category: 'YAML shape', name: '5,000 nested block sequences on one line', files: { 'p.yaml': `${'- '.repeat(5000)}x\n` }, argv: ['validate', 'p.yaml'], code: 'yaml.too-deep' },
  { category: 'YAML shape', name: '100 nested block mappings', files: { 'p.yaml': Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k${i}:\n`).join('') + `${' '.repeat(100)}v: 1\n` }, argv: ['validate', 'p.yaml'], code: 'yaml.too-deep' },
  { category: 'YAML shape', name: 'lone surrogate escape in a tier name', files: { 'programs/x/program.yaml': program('x').replace('name: Tier 1', 'name: "Tier \\ud800"') }, argv: ['validate'], code: 'yaml.lone-surrogate' },
  { category: 'YAML shape', name: 'aliases expand past 1 MiB', files: { 'programs/x/program.yaml': aliased('x', 20000, 60) }, argv: ['validate'], code: 'yaml.too-large' },

  // 13.10: import input.
  { category: 'import input', name: '3,000-character member id', db: true, files: { 'm.ndjson': ndjson([member('ok-1'), member(longId(3000))]) }, argv: ['import', 'members', 'm.ndjson'], code: 'line 2: member is 3000 characters long' },
  { category: 'import input', name: '3,000-character order id (CSV)', db: true, files: { 'o.csv': `merchant,order,member,amount,paidAt,status\nvictim,${longId(3000)},m1,5,2026-02-01T00:00:00Z,paid\n` }, argv: ['import', 'orders', 'o.csv'], code: 'line 2: order is 3000 characters long' },
  { category: 'import input', name: 'lone surrogate escape in a member id (NDJSON)', db: true, files: { 'm.ndjson': '{"merchant":"victim","member":"a\\ud800","joinedAt":"2026-01-01T00:00:00Z"}\n' }, argv: ['import', 'members', 'm.ndjson'], code: 'line 1: member contains a lone surrogate' },
  { category: 'import input', name: 'lone surrogate escape in a name', db: true, files: { 'm.ndjson': ndjson([member('n1')]) + '{"merchant":"victim","member":"n2","joinedAt":"2026-01-01T00:00:00Z","name":"\\udc00"}\n' }, argv: ['import', 'members', 'm.ndjson'], code: 'line 2: name contains a lone surrogate' },
  { category: 'import input', name: 'encoded surrogate bytes (ED A0 80) in CSV', db: true, setup: (r) => writeFileSync(join(r, 'm.csv'), Buffer.concat([Buffer.from('merchant,member,joinedAt\nvictim,ok,2026-01-01T00:00:00Z\nvictim,a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(',2026-01-01T00:00:00Z\n')])), argv: ['import', 'members', 'm.csv'], code: 'line 3: this line is not UTF-8' },
  { category: 'import input', name: 'Latin-1 byte in CSV', db: true, setup: (r) => writeFileSync(join(r, 'm.csv'), Buffer.from('merchant,member,joinedAt,name\nvictim,l1,2026-01-01T00:00:00Z,Caf\xe9\n', 'latin1')), argv: ['import', 'members', 'm.csv'], code: 'line 2: this line is not UTF-8' },
  { category: 'import input', name: 'import from /dev/zero', db: true, argv: ['import', 'members', '/dev/zero'], code: 'import.file' },

  // 13.10: writing out.
  exportCase('big', 'a valid 0.9 MiB (expanded) program with aliases exports within the limit, and plans as no change', aliased('big', 9000, 100)),
  exportCase('big2', 'a program whose aliases expand to 1.35 MiB of block YAML exports as compact JSON, which validates and plans as no change', sharedBenefits('big2')),
  { category: 'export and init', name: 'init --force through a link to a file outside', setup: (r) => { link(join(r, '..', `${r.split('/').pop()}-planted`), join(r, 'tierform.yaml')); }, argv: ['init', '.', '--force'], code: 'init.symlink', after: (r) => (existsOutside(r) ? 'wrote through the link' : undefined) },
  { category: 'export and init', name: 'init --force through a linked folder', setup: (r) => { const o = outside(); link(o, join(r, 'programs')); }, argv: ['init', '.', '--force'], code: 'init.symlink' },
  { category: 'export and init', name: 'init --force into a FIFO', setup: (r) => fifo(join(r, 'tierform.yaml')), argv: ['init', '.', '--force'], code: 'init.exists' },
];

/**
 * Applies a program, exports it, writes the export in its place: it must be within 1 MiB and
 * plan as no change (so it validates).
 */
function exportCase(merchant: string, name: string, text: string): HostileCase {
  const now = ['--now', '2026-03-01T00:00:00Z'];
  return {
    category: 'export and init',
    name,
    db: true,
    files: { [`programs/${merchant}/program.yaml`]: text },
    argv: ['apply', '--auto-approve', ...now],
    code: merchant,
    exit: 0,
    after: async (repo, cli) => {
      const out = await cli(['export', merchant]);
      if (out.code !== 0) return `export failed: ${out.stderr}`;
      if (Buffer.byteLength(out.stdout) > 1024 * 1024) return `export wrote ${Buffer.byteLength(out.stdout)} bytes`;
      writeFileSync(join(repo, `programs/${merchant}/program.yaml`), out.stdout);
      const again = await cli(['plan', ...now, '--detailed-exitcode']);
      return again.code === 0 ? undefined : `the export does not plan as no change: ${again.stdout.slice(0, 300)}`;
    },
  };
}

function existsOutside(repo: string): boolean {
  return existsSync(join(repo, '..', `${repo.split('/').pop()}-planted`));
}

/** A fresh repository (a directory with `.git`) holding the case's files. */
export function makeRepo(c: HostileCase): string {
  const repo = mkdtempSync(join(tmpdir(), 'tierform-hostile-'));
  mkdirSync(join(repo, '.git'));
  for (const [path, text] of Object.entries(c.files ?? {})) {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  c.setup?.(repo);
  return repo;
}

export { aliased, ndjson, member };
