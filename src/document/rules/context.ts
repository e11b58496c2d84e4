/** What the meaning rules need besides the document: the catalog (caps, policies) and the file path. */
import { isCurrency } from '../../model/money.js';
import { parseDuration, type Duration } from '../../model/duration.js';
import { isRecord, prop, recordAt, stringProp, type Json } from './read.js';
import type { PathBinding } from './merchantPath.js';

export interface RuleContext {
  /** A PlanCatalog document; read defensively, like the program. */
  catalog: unknown;
  path: string;
  /** The file's place below the program root; when absent it is judged from `path` alone. */
  binding?: PathBinding;
}

export interface CatalogPolicies {
  lockInRequiresSingleOrder: boolean;
  minValidity: Duration | undefined;
}

export function catalogPolicies(catalog: unknown): CatalogPolicies {
  const policies = recordAt(catalog, 'spec', 'policies');
  return {
    lockInRequiresSingleOrder: prop(policies, 'lockInRequiresSingleOrder') === true,
    minValidity: parseDuration(prop(policies, 'minValidity')),
  };
}

/** The catalog's subscriptions, or undefined when the catalog has none to judge by. */
export function catalogSubscriptions(catalog: unknown): Json | undefined {
  return recordAt(catalog, 'spec', 'subscriptions');
}

export function subscriptionEntry(catalog: unknown, name: string): Json | undefined {
  const subscriptions = catalogSubscriptions(catalog);
  if (!subscriptions || !Object.hasOwn(subscriptions, name)) return undefined;
  const entry = subscriptions[name];
  return isRecord(entry) ? entry : {};
}

/** The program's currency for judging amounts ('' when unknown: amounts then use 2 minor digits). */
export function programCurrency(doc: unknown): string {
  const code = stringProp(recordAt(doc, 'metadata'), 'currency');
  return code !== undefined && isCurrency(code) ? code : '';
}
