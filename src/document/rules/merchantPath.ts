/**
 * `merchant.path-mismatch` and `merchant.duplicate`. Below the nearest ancestor directory named
 * `programs`, a file at `programs/<x>/…` or `programs/<x>.yaml|.yml` belongs to merchant x, so a
 * reviewer who owns `programs/acme/` owns merchant acme. Files outside any `programs` directory
 * are not bound to a merchant.
 */
import type { Finding } from '../diagnostics.js';
import { recordAt, stringProp } from './read.js';

/** The merchant a path binds to, or undefined. Works with relative and absolute, / and \ paths. */
export function merchantFromPath(path: string): string | undefined {
  const segments = path.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  // The last segment is the file; the nearest `programs` is the last one among its directories.
  const at = segments.slice(0, -1).lastIndexOf('programs');
  if (at < 0) return undefined;
  const below = segments.slice(at + 1);
  if (below.length >= 2) return below[0];
  const match = /^(.+)\.ya?ml$/i.exec(below[0] ?? '');
  return match ? match[1] : undefined;
}

export function checkMerchantPath(doc: unknown, path: string): Finding[] {
  const merchant = stringProp(recordAt(doc, 'metadata'), 'merchant');
  const expected = merchantFromPath(path);
  if (merchant === undefined || expected === undefined || merchant === expected) return [];
  return [
    {
      code: 'merchant.path-mismatch',
      pointer: '/metadata/merchant',
      message: `this file is under programs/${expected}, so it must declare merchant: ${expected}, not '${merchant}'; fix the merchant or move the file to programs/${merchant}/`,
    },
  ];
}

/** Every file after the first that declares a merchant gets a finding naming the first file. */
export function checkMerchantDuplicates(files: { path: string; merchant: string | undefined }[]): { path: string; finding: Finding }[] {
  const first = new Map<string, string>();
  const out: { path: string; finding: Finding }[] = [];
  for (const file of files) {
    if (file.merchant === undefined) continue;
    const earlier = first.get(file.merchant);
    if (earlier === undefined) {
      first.set(file.merchant, file.path);
      continue;
    }
    out.push({
      path: file.path,
      finding: {
        code: 'merchant.duplicate',
        pointer: '/metadata/merchant',
        message: `merchant '${file.merchant}' is already defined in ${earlier}; a merchant has exactly one program file, so merge the two or remove one`,
      },
    });
  }
  return out;
}
