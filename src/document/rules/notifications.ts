/** `notifications.placeholder`: templates may use only the known placeholders. */
import type { Finding } from '../diagnostics.js';
import { pointerOf } from '../diagnostics.js';
import { isRecord, prop } from './read.js';

export const PLACEHOLDERS = ['{member.name}', '{member.id}', '{tier.name}', '{tier.benefits}', '{plan.name}', '{expiresAt}', '{program.rules}'] as const;

export function checkNotifications(doc: unknown): Finding[] {
  const notifications = prop(prop(doc, 'spec'), 'notifications');
  const findings: Finding[] = [];
  walk(notifications, ['spec', 'notifications'], findings, 0);
  return findings;
}

/** `path` is the pointer's segments so far, extended and restored in place while walking. */
function walk(value: unknown, path: (string | number)[], findings: Finding[], depth: number): void {
  if (depth > 8) return;
  if (typeof value === 'string') {
    // A placeholder is written in braces: most templates have none to check.
    if (!value.includes('{')) return;
    const unknown = [...new Set([...value.matchAll(/\{[^{}]*\}/g)].map((m) => m[0]))].filter(
      (p) => !(PLACEHOLDERS as readonly string[]).includes(p),
    );
    if (unknown.length > 0) {
      findings.push({
        code: 'notifications.placeholder',
        pointer: pointerOf(path),
        message: `unknown placeholder${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; templates may use only ${PLACEHOLDERS.join(', ')}`,
      });
    }
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      walk(value[i], path, findings, depth + 1);
      path.pop();
    }
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      path.push(k);
      walk(v, path, findings, depth + 1);
      path.pop();
    }
  }
}
