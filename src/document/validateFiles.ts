/**
 * files → documents → validated programs: the offline half of the pipeline. Loads no database
 * driver and compiles no schema (the validators are precompiled by `npm run codegen`).
 *
 * Programs are checked against one catalog: the caller's (`--catalog`, `tierform.yaml`'s
 * `catalog:`, or the live one in plan and apply), else the built-in one — never a catalog file
 * found among the programs, which a pull request could add beside its own program.
 */
import { relative } from 'node:path';
import type { MembershipProgram, PlanCatalog } from '../generated/types.js';
import type { DesiredProgram } from '../plan/types.js';
import { defaultCatalog } from '../catalog/builtin.js';
import { loadRepoConfig, programRootPath, type LoadedRepoConfig } from '../config/repoConfig.js';
import { compareDiagnostics, type Diagnostic, type FileReport } from './diagnostics.js';
import { expandPaths, type FoundFile } from './files.js';
import { checkDocument, type CheckedDocument } from './checkDocument.js';
import { isInside, readRegularFileSync, type BoundedRead } from './readBounded.js';
import { MAX_FILE_BYTES, formatSize } from './readYaml.js';
import { bindBelowRoot, bindPath, checkMerchantDuplicates, type PathBinding } from './rules/index.js';

export interface ValidationResult {
  valid: boolean;
  reports: FileReport[];
  /** Programs from files without errors, ready to plan. */
  programs: DesiredProgram[];
}

export interface ValidateOptions {
  cwd: string;
  catalog?: PlanCatalog;
  /** The repository config; read from `cwd` upwards when not given. */
  config?: LoadedRepoConfig;
}

export async function validateFiles(paths: readonly string[], opts: ValidateOptions): Promise<ValidationResult> {
  const catalog = opts.catalog ?? defaultCatalog;
  const config = opts.config ?? (await loadRepoConfig(opts.cwd));
  const named = paths.length > 0 ? paths : [programRootPath(config, opts.cwd)];
  const { files, problems } = await expandPaths(named, opts.cwd, config.root);
  const contents = readAll(files);
  const bindings = files.map((f) => bindingOf(f, config));
  const checked: CheckedDocument[] = files.map((f, i) => {
    const read = contents[i]!;
    if (read.ok) return checkDocument(f.path, read.bytes, catalog, bindings[i]);
    return unreadable(f.path, read);
  });
  checked.forEach((c, i) => {
    if (c.kind === 'PlanCatalog' && bindings[i]!.merchant !== undefined) {
      c.place({ code: 'catalog.misplaced', pointer: '/kind', message: 'a PlanCatalog inside the program directory is never used: catalogs are the platform\'s, so validate takes one only from --catalog or the catalog named by tierform.yaml; move this file out of the program directory' });
    }
  });

  const programs = checked.filter((c) => c.kind === 'MembershipProgram');
  const candidates = checked.map((c, i) => ({ c, binding: bindings[i]! })).filter(({ c }) => c.kind === 'MembershipProgram');
  for (const dup of checkMerchantDuplicates(candidates.map(({ c, binding }) => ({ path: c.path, merchant: c.merchant, binding })))) {
    const target = programs.find((c) => c.path === dup.path);
    target?.place(dup.finding);
  }

  const reports: FileReport[] = problems.map((p) => ({
    path: p.path,
    valid: false,
    diagnostics: [{ code: p.code, severity: 'error', message: p.message, line: 1, column: 1, pointer: '' } satisfies Diagnostic],
  }));
  for (const c of checked) {
    const diagnostics = c.diagnostics.sort(compareDiagnostics);
    reports.push({ path: c.path, valid: !diagnostics.some((d) => d.severity === 'error'), diagnostics });
  }

  const clean = (c: CheckedDocument) => !c.diagnostics.some((d) => d.severity === 'error');
  return {
    valid: reports.every((r) => r.valid),
    reports,
    programs: programs.filter(clean).map((c) => ({ path: c.path, document: c.value as MembershipProgram })),
  };
}

/**
 * Where a file stands below the program root: the configured one, else the outermost `programs`
 * directory of its path inside the repository (of its own path when it is outside).
 */
function bindingOf(f: FoundFile, config: LoadedRepoConfig): PathBinding {
  if (config.programs !== null) {
    if (!isInside(config.programs, f.absolute)) return { merchant: undefined, nested: undefined };
    return bindBelowRoot(relative(config.programs, f.absolute).split(/[\\/]+/).filter((s) => s !== ''));
  }
  return bindPath(isInside(config.root, f.absolute) ? relative(config.root, f.absolute) : f.absolute);
}

function unreadable(path: string, read: Extract<BoundedRead, { ok: false }>): CheckedDocument {
  const message = read.code === 'yaml.too-large' ? `file is ${formatSize(read.size ?? MAX_FILE_BYTES + 1)}; program files may be at most 1 MiB` : `${path} ${read.message}`;
  return {
    path,
    kind: undefined,
    merchant: undefined,
    value: undefined,
    diagnostics: [{ code: read.code, severity: 'error', message, line: 1, column: 1, pointer: '' }],
    place: () => {},
  };
}

/**
 * Reads the files one after another, synchronously: they are small and local, and a read through
 * the thread pool (open, stat, read, close, each a round trip) costs several times the read.
 */
function readAll(files: readonly FoundFile[]): BoundedRead[] {
  return files.map((f) => readRegularFileSync(f.open, MAX_FILE_BYTES));
}
