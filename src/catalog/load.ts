/** Loading a PlanCatalog file (for `validate --catalog` and `catalog apply`), validated like any document. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { PlanCatalog } from '../generated/types.js';
import { TierformError } from '../cli/errors.js';
import { checkDocument } from '../document/checkDocument.js';
import { defaultCatalog } from './builtin.js';

export async function loadCatalogFile(path: string, cwd: string): Promise<PlanCatalog> {
  const bytes = await readFile(resolve(cwd, path)).catch(() => undefined);
  if (!bytes) throw new TierformError('catalog.unreadable', `cannot read catalog file ${path}`);
  const checked = checkDocument(path, bytes, defaultCatalog);
  const first = checked.diagnostics.find((d) => d.severity === 'error');
  if (first) throw new TierformError(first.code, `${path}:${first.line}:${first.column}: ${first.message}`);
  if (checked.kind !== 'PlanCatalog') throw new TierformError('api.kind', `${path} is a ${checked.kind ?? 'document'}, not a PlanCatalog`);
  return checked.value as PlanCatalog;
}
