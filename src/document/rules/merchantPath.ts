/**
 * `merchant.path-mismatch`, `merchant.nested-programs` and `merchant.duplicate`. Below the
 * program root — the one `tierform.yaml` names, else the OUTERMOST directory named `programs` —
 * a file at `<root>/<x>/…` or `<root>/<x>.yaml|.yml` belongs to merchant x, so a reviewer who
 * owns `programs/acme/` owns merchant acme, and nothing below it can speak for another merchant.
 * A directory named `programs` inside a merchant's folder is refused: it would look like a
 * program root of its own to a reader. Files outside the program root are not bound.
 */
import type { Finding } from '../diagnostics.js';
import type { RuleContext } from './context.js';
import { recordAt, stringProp } from './read.js';

/** What a file's place says about it: the merchant it belongs to, and whether it sits in a nested `programs`. */
export interface PathBinding {
  merchant: string | undefined;
  /** The nested directory as written below the program root (`acme/programs`), when there is one. */
  nested: string | undefined;
}

const UNBOUND: PathBinding = { merchant: undefined, nested: undefined };

function segmentsOf(path: string): string[] {
  return path.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
}

/** The binding of a file from its path segments below the program root (the file name last). */
export function bindBelowRoot(below: readonly string[]): PathBinding {
  if (below.length === 0) return UNBOUND;
  if (below.length === 1) {
    const match = /^(.+)\.ya?ml$/i.exec(below[0]!);
    return { merchant: match ? match[1] : undefined, nested: undefined };
  }
  const dirs = below.slice(1, -1);
  const at = dirs.indexOf('programs');
  return { merchant: below[0], nested: at < 0 ? undefined : [below[0], ...dirs.slice(0, at + 1)].join('/') };
}

/** The binding of a path judged by its own segments: below its outermost `programs` directory. */
export function bindPath(path: string): PathBinding {
  const segments = segmentsOf(path);
  const at = segments.slice(0, -1).indexOf('programs');
  return at < 0 ? UNBOUND : bindBelowRoot(segments.slice(at + 1));
}

/** The merchant a path binds to, or undefined. Works with relative and absolute, / and \\ paths. */
export function merchantFromPath(path: string): string | undefined {
  return bindPath(path).merchant;
}

export function checkMerchantPath(doc: unknown, ctx: Pick<RuleContext, 'path' | 'binding'>): Finding[] {
  const binding = ctx.binding ?? bindPath(ctx.path);
  if (binding.nested !== undefined) {
    return [
      {
        code: 'merchant.nested-programs',
        pointer: '',
        message: `this file is inside ${binding.nested}, a directory named programs within merchant ${binding.merchant}'s folder; program files belong directly under the program root, so move it to programs/<merchant>/`,
      },
    ];
  }
  const merchant = stringProp(recordAt(doc, 'metadata'), 'merchant');
  const expected = binding.merchant;
  if (merchant === undefined || expected === undefined || merchant === expected) return [];
  return [
    {
      code: 'merchant.path-mismatch',
      pointer: '/metadata/merchant',
      message: `this file is under programs/${expected}, so it must declare merchant: ${expected}, not '${merchant}'; fix the merchant or move the file to programs/${merchant}/`,
    },
  ];
}

/**
 * Two files for one merchant: the file in the merchant's own place (bound to it by its path,
 * not nested) is the legitimate one whatever the order; every other file gets a finding naming
 * it. When none or several are in place, the first in order stands.
 */
export function checkMerchantDuplicates(files: { path: string; merchant: string | undefined; binding?: PathBinding }[]): { path: string; finding: Finding }[] {
  const inPlace = (f: (typeof files)[number]) => {
    const b = f.binding ?? bindPath(f.path);
    return b.merchant === f.merchant && b.nested === undefined;
  };
  const first = new Map<string, string>();
  for (const file of files) {
    if (file.merchant !== undefined && !first.has(file.merchant) && inPlace(file)) first.set(file.merchant, file.path);
  }
  const out: { path: string; finding: Finding }[] = [];
  for (const file of files) {
    if (file.merchant === undefined) continue;
    const earlier = first.get(file.merchant);
    if (earlier === undefined) {
      first.set(file.merchant, file.path);
      continue;
    }
    if (earlier === file.path) continue;
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
