/** Ids of tiers and plans are their identity across versions: each may appear once. */
import type { DiagnosticCode, Finding } from '../diagnostics.js';
import { stringProp } from './read.js';

export function duplicateIds(entries: unknown[] | undefined, base: string, code: DiagnosticCode, noun: string): Finding[] {
  if (!entries) return [];
  const first = new Map<string, number>();
  const findings: Finding[] = [];
  entries.forEach((entry, i) => {
    const id = stringProp(entry, 'id');
    if (id === undefined) return;
    const earlier = first.get(id);
    if (earlier === undefined) {
      first.set(id, i);
      return;
    }
    findings.push({
      code,
      pointer: `${base}/${i}/id`,
      message: `${noun} id '${id}' is already used by ${noun} #${earlier + 1}; ids must be unique, so rename one of them`,
    });
  });
  return findings;
}
