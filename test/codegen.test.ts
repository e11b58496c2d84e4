/**
 * Generated artifacts are checked: src/generated/ must be what scripts/codegen.ts makes from
 * schemas/ now, and the precompiled validators must judge documents like ajv compiling the
 * schemas at run time.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAjv, generate, readSchemas, ROOT } from '../scripts/codegen.js';
import { validateMembershipProgram, validatePlanCatalog } from '../src/generated/validators.js';
import { defaultCatalog } from '../src/catalog/builtin.js';

const minimal = () => ({
  apiVersion: 'tierform.dev/v1',
  kind: 'MembershipProgram',
  metadata: { merchant: 'shop', subscription: 'starter', timezone: 'UTC', currency: 'USD' },
  spec: { type: 'levels', levels: { tiers: [{ id: 'member', name: 'Member', threshold: { amount: 0 } }] } },
});

describe('codegen', () => {
  it('src/generated is up to date with schemas/', async () => {
    const files = await generate();
    expect(Object.keys(files).sort()).toEqual(['src/generated/types.ts', 'src/generated/validators.ts']);
    for (const [path, content] of Object.entries(files)) {
      const committed = readFileSync(join(ROOT, path), 'utf8');
      expect(committed === content, `${path} is stale: run \`npm run codegen\` and commit the result`).toBe(true);
    }
  }, 60_000);

  it('is deterministic', async () => {
    expect(await generate()).toEqual(await generate());
  }, 60_000);

  it('exports the document types and DocumentKinds', () => {
    const types = readFileSync(join(ROOT, 'src/generated/types.ts'), 'utf8');
    for (const name of ['MembershipProgram', 'PlanCatalog', 'Tier', 'LevelBenefit', 'PaidBenefit', 'PaidPlan', 'Duration', 'Threshold']) {
      expect(types).toMatch(new RegExp(`export (interface|type) ${name}\\b`));
    }
    expect(types).toContain('export interface DocumentKinds');
    expect(readFileSync(join(ROOT, 'src/generated/validators.ts'), 'utf8')).toContain('createRequire(import.meta.url)');
  });
});

describe('precompiled validators', () => {
  it('accept a minimal program and the built-in catalog', () => {
    expect(validateMembershipProgram(minimal()), JSON.stringify(validateMembershipProgram.errors)).toBe(true);
    expect(validatePlanCatalog(defaultCatalog), JSON.stringify(validatePlanCatalog.errors)).toBe(true);
  });

  it('reject an unknown property with keyword additionalProperties', () => {
    const doc = minimal();
    (doc.spec.levels.tiers[0] as Record<string, unknown>).thresold = { amount: 1 };
    expect(validateMembershipProgram(doc)).toBe(false);
    expect(validateMembershipProgram.errors).toEqual([
      expect.objectContaining({ keyword: 'additionalProperties', instancePath: '/spec/levels/tiers/0', params: { additionalProperty: 'thresold' } }),
    ]);
  });

  it('give one error for a field of another benefit type', () => {
    const doc = minimal();
    (doc.spec.levels.tiers[0] as Record<string, unknown>).benefits = [{ type: 'discount', percentOff: 5, amountOff: 3 }];
    expect(validateMembershipProgram(doc)).toBe(false);
    expect(validateMembershipProgram.errors?.filter((e) => !['if', 'allOf'].includes(e.keyword))).toEqual([
      expect.objectContaining({ keyword: 'additionalProperties', params: { additionalProperty: 'amountOff' } }),
    ]);
  });

  describe('judge like ajv compiled at run time', async () => {
    const schemas = await readSchemas();
    const ajv = createAjv(false);
    const runtime = {
      MembershipProgram: ajv.compile(schemas.MembershipProgram!),
      PlanCatalog: ajv.compile(schemas.PlanCatalog!),
    };
    const withSpec = (spec: Record<string, unknown>) => ({ ...minimal(), spec: { ...minimal().spec, ...spec } });
    const tiers = (t: Record<string, unknown>) => withSpec({ levels: { tiers: [{ id: 'm', name: 'M', threshold: { amount: 0 }, ...t }] } });
    const paid = (b: Record<string, unknown>) => withSpec({ type: 'paid', paid: { plans: [{ id: 'p', name: 'P', price: 9, validity: { months: 12 }, benefits: [b] }] } });
    const cases: [string, unknown][] = [
      ['minimal', minimal()],
      ['wrong apiVersion', { ...minimal(), apiVersion: 'v2' }],
      ['bad merchant', { ...minimal(), metadata: { ...minimal().metadata, merchant: 'Acme!' } }],
      ['duration with two units', withSpec({ levels: { downgrade: { mode: 'validity', validity: { months: 1, days: 2 } }, tiers: minimal().spec.levels.tiers } })],
      ['validity mode without validity', withSpec({ levels: { downgrade: { mode: 'validity' }, tiers: minimal().spec.levels.tiers } })],
      ['rolling window', withSpec({ levels: { upgrade: { window: { rolling: { days: 30 } } }, tiers: minimal().spec.levels.tiers } })],
      ['unknown window', withSpec({ levels: { upgrade: { window: 'forever' }, tiers: minimal().spec.levels.tiers } })],
      ['fixed window with a bad date', withSpec({ levels: { upgrade: { window: { fixed: { from: '2024-02-30', to: '2024-03-01' } } }, tiers: minimal().spec.levels.tiers } })],
      ['empty threshold', tiers({ threshold: {} })],
      ['join_points on a tier', tiers({ benefits: [{ type: 'join_points', points: 5 }] })],
      ['percentOff 100', tiers({ benefits: [{ type: 'discount', percentOff: 100 }] })],
      ['duplicate channels', tiers({ benefits: [{ type: 'free_shipping', channels: ['app', 'app'] }] })],
      ['grant every month', paid({ type: 'free_shipping', grant: { every: { months: 1 } } })],
      ['grant on birthday_discount', paid({ type: 'birthday_discount', percentOff: 10, grant: 'on_start' })],
      ['unknown grant', paid({ type: 'free_samples', grant: 'weekly' })],
      ['upgrade_points on a plan', paid({ type: 'upgrade_points', points: 10 })],
      ['catalog', defaultCatalog],
    ];
    for (const [name, doc] of cases) {
      it(name, () => {
        const kind = (doc as { kind: string }).kind as 'MembershipProgram' | 'PlanCatalog';
        const standalone = kind === 'MembershipProgram' ? validateMembershipProgram : validatePlanCatalog;
        const strip = (errors: typeof standalone.errors) =>
          (errors ?? []).map(({ keyword, instancePath, schemaPath, params }) => ({ keyword, instancePath, schemaPath, params }));
        expect(standalone(doc)).toBe(runtime[kind](doc));
        expect(strip(standalone.errors)).toEqual(strip(runtime[kind].errors));
      });
    }
  });
});
