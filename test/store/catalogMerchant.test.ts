import { describe, expect, it } from 'vitest';
import { withTestDb } from '../helpers/db.js';
import { getLiveCatalog, getStoredCatalog, putLiveCatalog, subscriptionNames } from '../../src/store/catalogStore.js';
import { getMerchant, merchantsOutside, setSubscription } from '../../src/store/merchantStore.js';
import { defaultCatalog } from '../../src/catalog/builtin.js';
import type { PlanCatalog } from '../../src/generated/types.js';

const t = withTestDb();
const t0 = new Date('2026-03-01T00:00:00Z');
const t1 = new Date('2026-03-02T00:00:00Z');

describe('live catalog', () => {
  it('is the built-in default until one is applied, then the applied one', async () => {
    expect(await getStoredCatalog(t.db)).toBeNull();
    expect(await getLiveCatalog(t.db)).toEqual(defaultCatalog);
    const other = structuredClone(defaultCatalog) as PlanCatalog;
    other.metadata.name = 'other';
    await putLiveCatalog(t.db, other, t0);
    expect(await getLiveCatalog(t.db)).toEqual(other);
    await putLiveCatalog(t.db, defaultCatalog, t1);
    expect(await getStoredCatalog(t.db)).toEqual({ document: defaultCatalog, appliedAt: t1 });
    expect(subscriptionNames(defaultCatalog)).toEqual(['lite', 'starter', 'growth', 'pro']);
  });
});

describe('merchant subscriptions', () => {
  it('creates a merchant with its subscription, then changes it', async () => {
    expect(await getMerchant(t.db, 'acme')).toBeNull();
    expect(await setSubscription(t.db, 'acme', 'growth', t0)).toEqual({ created: true, previous: null });
    expect(await getMerchant(t.db, 'acme')).toEqual({ merchant: 'acme', subscription: 'growth', createdAt: t0.toISOString(), updatedAt: t0.toISOString() });
    expect(await setSubscription(t.db, 'acme', 'pro', t1)).toEqual({ created: false, previous: 'growth' });
    expect(await getMerchant(t.db, 'acme')).toMatchObject({ subscription: 'pro', createdAt: t0.toISOString(), updatedAt: t1.toISOString() });
  });

  it('lists merchants whose subscription a catalog would drop', async () => {
    await setSubscription(t.db, 'shop-b', 'lite', t0);
    expect(await merchantsOutside(t.db, ['lite', 'pro'])).toEqual([]);
    expect(await merchantsOutside(t.db, ['lite'])).toEqual([{ merchant: 'acme', subscription: 'pro' }]);
  });
});
