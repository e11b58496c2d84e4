/**
 * The repository config `tierform.yaml` (SPEC §4.2): looked up in the current directory, then in
 * each directory above it up to the git root (the one holding `.git`); outside a git repository
 * only the current directory is read. It holds `guardrails: { maxDowngrades: <n | "p%"> }`,
 * `programs: <dir>` (the program root that path binding judges by) and `catalog: <file>` (what
 * `validate` checks caps against). Unknown keys and bad values fail with the file, line and
 * column. It is read like any untrusted file: bounded, regular, never through a link out of the
 * repository.
 */
import { access } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { isMap, isScalar, type Node, type Pair } from 'yaml';
import { MAX_FILE_BYTES, readYaml, type SourceFile } from '../document/readYaml.js';
import { isInside, readFileBounded } from '../document/readBounded.js';
import { closestName } from '../document/suggest.js';
import { TierformError, UsageError } from '../cli/errors.js';
import { parseDowngradeLimit, type DowngradeLimit } from '../plan/guardrail.js';

export const REPO_CONFIG_FILE = 'tierform.yaml';

export interface RepoConfig {
  /** The file it was read from; null when there is none. */
  path: string | null;
  guardrails: { maxDowngrades: DowngradeLimit | null };
  /** `programs:` as written (relative to the file's directory); absolute after loadRepoConfig. */
  programs: string | null;
  /** `catalog:` as written (relative to the file's directory); absolute after loadRepoConfig. */
  catalog: string | null;
}

/** A loaded config: also where the repository is. */
export interface LoadedRepoConfig extends RepoConfig {
  /** The repository root: the git root, or the current directory outside a git repository. */
  root: string;
}

const EMPTY: RepoConfig = { path: null, guardrails: { maxDowngrades: null }, programs: null, catalog: null };

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The directories searched for tierform.yaml, nearest first. */
export async function configSearchPath(cwd: string): Promise<string[]> {
  const dirs: string[] = [];
  for (let dir = cwd; ; dir = dirname(dir)) {
    dirs.push(dir);
    if (await exists(join(dir, '.git'))) return dirs;
    if (dirname(dir) === dir) return [cwd];
  }
}

/** The repository root: the nearest directory at or above `cwd` holding `.git`, else `cwd`. */
export async function findRepositoryRoot(cwd: string): Promise<string> {
  const dirs = await configSearchPath(cwd);
  return dirs[dirs.length - 1]!;
}

export async function findRepoConfig(cwd: string): Promise<string | null> {
  for (const dir of await configSearchPath(cwd)) {
    const path = join(dir, REPO_CONFIG_FILE);
    if (await exists(path)) return path;
  }
  return null;
}

export async function loadRepoConfig(cwd: string): Promise<LoadedRepoConfig> {
  const root = await findRepositoryRoot(cwd);
  const path = await findRepoConfig(cwd);
  if (!path) return { ...EMPTY, root };
  const shown = relative(cwd, path) || REPO_CONFIG_FILE;
  const read = await readFileBounded(path, { limit: MAX_FILE_BYTES, root });
  if (!read.ok) throw new TierformError(read.code, `${shown} ${read.message}${read.code === 'yaml.too-large' ? ` (at most ${MAX_FILE_BYTES} bytes)` : ''}`);
  const config = parseRepoConfig(shown, read.bytes);
  const dir = dirname(path);
  const inRepo = (key: 'programs' | 'catalog'): string | null => {
    const value = config[key];
    if (value === null) return null;
    const absolute = resolve(dir, value);
    if (!isInside(root, absolute)) throw configError(`${shown}: ${key} '${value}' leads out of the repository (${root}); name a path inside it`);
    return absolute;
  };
  return { ...config, programs: inRepo('programs'), catalog: inRepo('catalog'), root };
}

/** Parses tierform.yaml's bytes; `path` is how errors name the file. */
export function parseRepoConfig(path: string, bytes: Buffer): RepoConfig {
  const read = readYaml(path, bytes);
  if (!read.ok) {
    if (read.findings.every((f) => f.code === 'document.empty')) return { ...EMPTY, path };
    if (read.findings.every((f) => f.code === 'yaml.too-large')) throw new TierformError('yaml.too-large', `${path}: ${read.findings[0]!.message}`);
    const f = read.findings[0]!;
    throw configError(`${path}:${f.line}:${f.column}: ${f.message}`);
  }
  const problems: string[] = [];
  const place = (node: Node | null | undefined): string => position(read.source, path, node);
  const root = read.doc.contents;
  let limit: DowngradeLimit | null = null;
  const paths: { programs: string | null; catalog: string | null } = { programs: null, catalog: null };
  if (!isMap(root)) {
    problems.push(`${place(root)}: expected a mapping with the keys ${TOP_KEYS.join(', ')}`);
  } else {
    for (const pair of root.items) {
      const key = keyOf(pair);
      if (key === 'programs' || key === 'catalog') {
        const node = pair.value as Node | null;
        const raw = isScalar(node) ? node.value : undefined;
        if (typeof raw !== 'string' || raw.trim() === '') {
          problems.push(`${place(node ?? (pair.key as Node))}: ${key} must be a path relative to this file (${key === 'programs' ? 'programs' : 'platform/catalog.yaml'})`);
        } else {
          paths[key] = raw;
        }
        continue;
      }
      if (key !== 'guardrails') {
        problems.push(`${place(pair.key as Node)}: unknown key '${key}'${suggestion(key, TOP_KEYS)}`);
        continue;
      }
      const value = pair.value as Node | null;
      if (value === null || (isScalar(value) && value.value === null)) continue;
      if (!isMap(value)) {
        problems.push(`${place(value)}: guardrails must be a mapping (maxDowngrades: <n | "p%">)`);
        continue;
      }
      for (const g of value.items) {
        const gkey = keyOf(g);
        if (gkey !== 'maxDowngrades') {
          problems.push(`${place(g.key as Node)}: unknown key '${gkey}' in guardrails${suggestion(gkey, ['maxDowngrades'])}`);
          continue;
        }
        const node = g.value as Node | null;
        if (node === null || (isScalar(node) && node.value === null)) continue;
        const raw = isScalar(node) ? node.value : undefined;
        const parsed =
          (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) || typeof raw === 'string'
            ? parseDowngradeLimit(String(raw), path)
            : undefined;
        if (!parsed) {
          problems.push(`${place(node)}: guardrails.maxDowngrades must be a whole number of members (50) or a percentage of them ("5%", 0–100%)`);
          continue;
        }
        limit = parsed;
      }
    }
  }
  if (problems.length > 0) throw configError(problems.join('\n'));
  return { path, guardrails: { maxDowngrades: limit }, ...paths };
}

const TOP_KEYS = ['guardrails', 'programs', 'catalog'];

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function suggestion(key: string, known: readonly string[]): string {
  const near = closestName(key, known);
  return near ? ` (did you mean ${near}?)` : ` (known: ${known.join(', ')})`;
}

function position(source: SourceFile, path: string, node: Node | null | undefined): string {
  const offset = node?.range?.[0] ?? 0;
  const { line, col } = source.lineCounter.linePos(offset);
  return `${path}:${line}:${col}`;
}

function configError(message: string): TierformError {
  return new TierformError('config.invalid', message);
}

/** The paths a command checks: those named, else the program root of tierform.yaml, else `programs`. */
export async function programPaths(named: readonly string[], cwd: string): Promise<string[]> {
  if (named.length > 0) return [...named];
  return [programRootPath(await loadRepoConfig(cwd), cwd)];
}

/** The program root as a path from `cwd`: the configured one, else `programs`. */
export function programRootPath(config: Pick<RepoConfig, 'programs'>, cwd: string): string {
  return config.programs ? relative(cwd, config.programs) || '.' : 'programs';
}

/**
 * The downgrade limit of a plan or apply: `--max-downgrades` when given (the file is then not
 * read), else tierform.yaml's guardrails.maxDowngrades, else none.
 */
export async function resolveDowngradeLimit(option: string | undefined, cwd: string, usage: string): Promise<DowngradeLimit | null> {
  if (option !== undefined) {
    const limit = parseDowngradeLimit(option, '--max-downgrades');
    if (!limit) throw new UsageError(`--max-downgrades must be a whole number of members (50) or a percentage of them (5%), got '${option}'`, usage);
    return limit;
  }
  return (await loadRepoConfig(cwd)).guardrails.maxDowngrades;
}
