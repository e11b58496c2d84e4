import { describe, expect, it } from 'vitest';
import { checkMerchantDuplicates, merchantFromPath } from '../../src/document/rules/index.js';
import { codes, validProgram } from './fixtures.js';

describe('merchantFromPath', () => {
  it('binds files below the nearest programs directory', () => {
    expect(merchantFromPath('programs/acme/program.yaml')).toBe('acme');
    expect(merchantFromPath('programs/acme/nested/deep.yml')).toBe('acme');
    expect(merchantFromPath('programs/acme.yaml')).toBe('acme');
    expect(merchantFromPath('programs/acme.yml')).toBe('acme');
    expect(merchantFromPath('./programs/acme.yml')).toBe('acme');
    expect(merchantFromPath('/home/ci/repo/programs/acme/program.yaml')).toBe('acme');
    expect(merchantFromPath('C:\\repo\\programs\\acme\\program.yaml')).toBe('acme');
    expect(merchantFromPath('programs/acme/programs/beta.yaml')).toBe('beta');
    expect(merchantFromPath('programs/acme/programs/beta/x.yaml')).toBe('beta');
  });
  it('leaves other files unbound', () => {
    expect(merchantFromPath('acme.yaml')).toBeUndefined();
    expect(merchantFromPath('examples/acme/program.yaml')).toBeUndefined();
    expect(merchantFromPath('programs/README.md')).toBeUndefined();
    expect(merchantFromPath('programs')).toBeUndefined();
    expect(merchantFromPath('')).toBeUndefined();
  });
});

describe('merchant.path-mismatch', () => {
  it('reports a merchant that differs from its directory', () => {
    expect(codes(validProgram(), { path: 'programs/globex/program.yaml' })).toEqual(['merchant.path-mismatch /metadata/merchant']);
    expect(codes(validProgram(), { path: '/abs/programs/globex.yaml' })).toEqual(['merchant.path-mismatch /metadata/merchant']);
  });
  it('accepts matching and unbound paths', () => {
    expect(codes(validProgram(), { path: 'programs/acme.yaml' })).toEqual([]);
    expect(codes(validProgram(), { path: 'fixtures/anything.yaml' })).toEqual([]);
  });
});

describe('merchant.duplicate', () => {
  it('reports every file after the first for a merchant', () => {
    const out = checkMerchantDuplicates([
      { path: 'a/acme.yaml', merchant: 'acme' },
      { path: 'b/globex.yaml', merchant: 'globex' },
      { path: 'c/acme.yaml', merchant: 'acme' },
      { path: 'd/none.yaml', merchant: undefined },
      { path: 'e/acme.yaml', merchant: 'acme' },
      { path: 'f/none.yaml', merchant: undefined },
    ]);
    expect(out.map((d) => [d.path, d.finding.code, d.finding.pointer])).toEqual([
      ['c/acme.yaml', 'merchant.duplicate', '/metadata/merchant'],
      ['e/acme.yaml', 'merchant.duplicate', '/metadata/merchant'],
    ]);
    expect(out[0]!.finding.message).toContain('a/acme.yaml');
  });
});
