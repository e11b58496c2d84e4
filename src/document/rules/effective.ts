/**
 * `effective.at-missing` and `effective.at-unexpected`: `at` is required iff mode is scheduled.
 * A scheduled `at` that is not an instant with offset is reported as `effective.at-missing`
 * (there is no usable instant), pointing at the value.
 */
import type { Finding } from '../diagnostics.js';
import { parseInstant } from '../../model/instant.js';
import { isSet, prop, recordAt } from './read.js';

export function checkEffective(doc: unknown): Finding[] {
  const effective = recordAt(doc, 'spec', 'effective');
  if (!effective) return [];
  const mode = prop(effective, 'mode');
  const hasAt = isSet(effective, 'at');
  const at = prop(effective, 'at');
  if (mode === 'scheduled') {
    if (!hasAt) {
      return [
        {
          code: 'effective.at-missing',
          pointer: '/spec/effective/mode',
          message: 'mode is scheduled but no time is given; add at: with an instant and offset, e.g. at: 2026-12-01T03:00:00+08:00',
        },
      ];
    }
    if (typeof at !== 'string' || parseInstant(at) === undefined) {
      return [
        {
          code: 'effective.at-missing',
          pointer: '/spec/effective/at',
          message: `at: ${typeof at === 'string' ? `'${at}'` : JSON.stringify(at) ?? String(at)} is not an instant with offset; write it like 2026-12-01T03:00:00+08:00 (or with Z for UTC)`,
        },
      ];
    }
    return [];
  }
  if (hasAt && (mode === 'immediate' || mode === undefined)) {
    return [
      {
        code: 'effective.at-unexpected',
        pointer: '/spec/effective/at',
        at: 'key',
        message: "at is only allowed with mode: scheduled; the mode is immediate, so remove at or set mode: scheduled",
      },
    ];
  }
  return [];
}
