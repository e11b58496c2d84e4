import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkMerchantDuplicates, checkProgram } from '../../src/document/rules/index.js';
import { diagnosticCodes } from '../../src/document/diagnostics.js';
import { catalog, validProgram } from './fixtures.js';

/** Replace the value at a random path of the document with an arbitrary value, or delete it. */
function mutate(doc: unknown, path: number[], replacement: unknown, remove: boolean): unknown {
  if (path.length === 0 || typeof doc !== 'object' || doc === null) return replacement;
  const keys = Object.keys(doc);
  if (keys.length === 0) return doc;
  const key = keys[path[0]! % keys.length]!;
  const copy: any = Array.isArray(doc) ? [...doc] : { ...doc };
  if (remove && path.length === 1) delete copy[key];
  else copy[key] = mutate(copy[key], path.slice(1), replacement, remove);
  return copy;
}

const known = new Set<string>(diagnosticCodes);

describe('rules are total', () => {
  it('never throw on any value', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.string(), (doc, cat, path) => {
        for (const f of checkProgram(doc, { catalog: cat, path })) expect(known.has(f.code)).toBe(true);
        checkProgram(doc, { catalog, path });
      }),
      { numRuns: 500 },
    );
  });
  it('never throw on mutated valid documents and report only known codes', () => {
    const replacement = fc.oneof(
      fc.anything(),
      fc.constantFrom(null, undefined, -1, 0, NaN, Infinity, '', 'levels', 'paid', 'scheduled', 'validity', 'since_last_upgrade', 'recompute', [], {}, { months: 0 }, '1e400', 1e300),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(20), { minLength: 1, maxLength: 7 }), { minLength: 1, maxLength: 4 }),
        fc.array(replacement, { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        (paths, values, remove) => {
          let doc: unknown = validProgram();
          paths.forEach((p, i) => (doc = mutate(doc, p, values[i], remove)));
          for (const f of checkProgram(doc, { catalog, path: 'programs/acme/program.yaml' })) {
            expect(known.has(f.code)).toBe(true);
            expect(f.pointer.startsWith('/')).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
  it('survive a prototype-polluting document', () => {
    const doc = JSON.parse('{"metadata":{"__proto__":{"subscription":"growth"}},"spec":{"levels":{"tiers":[{"__proto__":{"id":"x"}}]}}}');
    expect(() => checkProgram(doc, { catalog, path: 'x.yaml' })).not.toThrow();
    expect(checkMerchantDuplicates([{ path: 'a', merchant: '__proto__' }, { path: 'b', merchant: '__proto__' }])).toHaveLength(1);
  });
});
