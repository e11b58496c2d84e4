/**
 * Loading a PlanCatalog file (for `validate --catalog`, tierform.yaml's `catalog:` and
 * `catalog apply`), read like any untrusted file and validated like any document.
 */
import { resolve } from 'node:path';
import type { PlanCatalog } from '../generated/types.js';
import { TierformError } from '../cli/errors.js';
import { checkDocument } from '../document/checkDocument.js';
import { readFileBounded } from '../document/readBounded.js';
import { MAX_FILE_BYTES } from '../document/readYaml.js';
import { defaultCatalog } from './builtin.js';

/** `root`: the repository root; a catalog inside it must not be a link that leads out of it. */
export async function loadCatalogFile(path: string, cwd: string, root?: string): Promise<PlanCatalog> {
  const read = await readFileBounded(resolve(cwd, path), { limit: MAX_FILE_BYTES, ...(root ? { root } : {}) });
  if (!read.ok) {
    if (read.code === 'file.unreadable') throw new TierformError('catalog.unreadable', `cannot read catalog file ${path}: ${read.message}`);
    throw new TierformError(read.code, `catalog file ${path} ${read.message}${read.code === 'yaml.too-large' ? ` (at most ${MAX_FILE_BYTES} bytes)` : ''}`);
  }
  const checked = checkDocument(path, read.bytes, defaultCatalog);
  const first = checked.diagnostics.find((d) => d.severity === 'error');
  if (first) throw new TierformError(first.code, `${path}:${first.line}:${first.column}: ${first.message}`);
  if (checked.kind !== 'PlanCatalog') throw new TierformError('api.kind', `${path} is a ${checked.kind ?? 'document'}, not a PlanCatalog`);
  return checked.value as PlanCatalog;
}
