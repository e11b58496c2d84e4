import { describe, expect, it } from 'vitest';
import { checkMerchantDuplicates, merchantFromPath } from '../../src/document/rules/index.js';
import { codes, validProgram } from './fixtures.js';

describe('merchantFromPath', () => {
  it('binds files below the outermost programs directory', () => {
    expect(merchantFromPath('programs/acme/program.yaml')).toBe('acme');
    expect(merchantFromPath('programs/acme/nested/deep.yml')).toBe('acme');
    expect(merchantFromPath('programs/acme.yaml')).toBe('acme');
    expect(merchantFromPath('programs/acme.yml')).toBe('acme');
    expect(merchantFromPath('./programs/acme.yml')).toBe('acme');
    expect(merchantFromPath('/home/ci/repo/programs/acme/program.yaml')).toBe('acme');
    expect(merchantFromPath('C:\\repo\\programs\\acme\\program.yaml')).toBe('acme');
    // A nested programs directory does not start a new binding: it stays acme's (and is refused).
    expect(merchantFromPath('programs/acme/programs/beta.yaml')).toBe('acme');
    expect(merchantFromPath('programs/acme/programs/beta/x.yaml')).toBe('acme');
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

describe('merchant.nested-programs', () => {
  it('refuses a programs directory inside a merchant folder, whatever the file declares', () => {
    const victim = validProgram();
    victim.metadata.merchant = 'victim';
    expect(codes(victim, { path: 'programs/acme/programs/victim/program.yaml' })).toEqual(['merchant.nested-programs ']);
    expect(codes(validProgram(), { path: 'programs/acme/programs/acme.yaml' })).toEqual(['merchant.nested-programs ']);
    expect(codes(validProgram(), { path: 'programs/acme/x/programs/y/p.yaml' })).toEqual(['merchant.nested-programs ']);
  });
});

describe('merchant.duplicate', () => {
  it('blames the file out of place, not the merchant\'s own file', () => {
    const out = checkMerchantDuplicates([
      { path: 'programs/acme/programs/victim/program.yaml', merchant: 'victim' },
      { path: 'programs/victim/program.yaml', merchant: 'victim' },
      { path: 'programs/zeta/victim.yaml', merchant: 'victim' },
    ]);
    expect(out.map((d) => d.path)).toEqual(['programs/acme/programs/victim/program.yaml', 'programs/zeta/victim.yaml']);
    expect(out[0]!.finding.message).toContain('programs/victim/program.yaml');
  });

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
