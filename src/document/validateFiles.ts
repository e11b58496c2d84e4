/**
 * files → documents → validated programs: the offline half of the pipeline. Loads no database
 * driver and compiles no schema (the validators are precompiled by `npm run codegen`).
 */
import { readFile } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import type { MembershipProgram, PlanCatalog } from '../generated/types.js';
import type { DesiredProgram } from '../plan/types.js';
import { defaultCatalog } from '../catalog/builtin.js';
import { compareDiagnostics, type Diagnostic, type FileReport } from './diagnostics.js';
import { expandPaths } from './files.js';
import { checkDocument, type CheckedDocument } from './checkDocument.js';
import { checkMerchantDuplicates } from './rules/index.js';

export interface ValidationResult {
  valid: boolean;
  reports: FileReport[];
  /** Programs from files without errors, ready to plan. */
  programs: DesiredProgram[];
  /** Catalog documents found among the files (kind PlanCatalog). */
  catalogs: { path: string; document: PlanCatalog }[];
}

export interface ValidateOptions {
  cwd: string;
  catalog?: PlanCatalog;
}

export async function validateFiles(paths: readonly string[], opts: ValidateOptions): Promise<ValidationResult> {
  const catalog = opts.catalog ?? defaultCatalog;
  const { files, missing } = await expandPaths(paths, opts.cwd);
  const contents = await readAll(files.map((f) => f.absolute));
  const checked: CheckedDocument[] = files.map((f, i) => checkDocument(f.path, contents[i], catalog));
  if (!opts.catalog) {
    // Without --catalog, a program is checked against the nearest catalog file in a folder above
    // it (a repository may hold another platform's merchants). Plan and apply always enforce the
    // live catalog, so a catalog file in a pull request cannot raise real caps.
    const scoped = checked
      .map((c, i) => ({ c, dir: dirname(files[i]!.absolute) + sep }))
      .filter(({ c }) => c.kind === 'PlanCatalog' && c.diagnostics.length === 0)
      .sort((a, b) => b.dir.length - a.dir.length);
    if (scoped.length > 0) {
      checked.forEach((c, i) => {
        if (c.kind !== 'MembershipProgram') return;
        const nearest = scoped.find((s) => files[i]!.absolute.startsWith(s.dir));
        if (nearest) checked[i] = checkDocument(c.path, contents[i], nearest.c.value as PlanCatalog);
      });
    }
  }

  const programs = checked.filter((c) => c.kind === 'MembershipProgram');
  for (const dup of checkMerchantDuplicates(programs.map((c) => ({ path: c.path, merchant: c.merchant })))) {
    const target = programs.find((c) => c.path === dup.path);
    target?.place(dup.finding);
  }

  const reports: FileReport[] = missing.map((p) => ({
    path: p,
    valid: false,
    diagnostics: [{ code: 'file.unreadable', severity: 'error', message: `no such file or directory: ${p}`, line: 1, column: 1, pointer: '' } satisfies Diagnostic],
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
    catalogs: checked.filter((c) => c.kind === 'PlanCatalog' && clean(c)).map((c) => ({ path: c.path, document: c.value as PlanCatalog })),
  };
}


/** Reads files a bounded number at a time, so checking never waits on one read after another. */
async function readAll(paths: readonly string[], concurrency = 32): Promise<(Buffer | undefined)[]> {
  const out: (Buffer | undefined)[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      out[i] = await readFile(paths[i]!).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  return out;
}
