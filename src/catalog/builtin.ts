/** The built-in plan catalog (SPEC §1.2): the default caps and policies when none is given. */
import type { PlanCatalog } from '../generated/types.js';

export const defaultCatalog: PlanCatalog = {
  apiVersion: 'tierform.dev/v1',
  kind: 'PlanCatalog',
  metadata: { name: 'default' },
  spec: {
    switchLimit: { count: 5, windowHours: 24 },
    policies: {
      lockInRequiresSingleOrder: true,
      minValidity: { months: 1 },
    },
    subscriptions: {
      lite: { levels: { maxTiers: 0 }, paid: { maxPlans: 2 } },
      starter: { levels: { maxTiers: 1, customRules: false }, paid: { maxPlans: 2 } },
      growth: { levels: { maxTiers: 3, customRules: true }, paid: { maxPlans: 2 } },
      pro: { levels: { maxTiers: 5, customRules: true }, paid: { maxPlans: 2 } },
    },
  },
};
