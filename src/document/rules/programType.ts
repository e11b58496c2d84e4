/** `type.section-missing`: the active program type needs its section. */
import type { Finding } from '../diagnostics.js';
import { isSet, prop, recordAt } from './read.js';

export function checkTypeSection(doc: unknown): Finding[] {
  const spec = recordAt(doc, 'spec');
  const type = prop(spec, 'type');
  if ((type !== 'levels' && type !== 'paid') || isSet(spec, type)) return [];
  const example = type === 'levels' ? 'levels: { tiers: [...] }' : 'paid: { plans: [...] }';
  return [
    {
      code: 'type.section-missing',
      pointer: '/spec/type',
      message: `type is '${type}' but spec has no '${type}' section; add ${example} or change the type`,
    },
  ];
}
