/** Messages apply shows for refusals that need the live state to explain them. */
import type { LiveMerchant } from '../plan/types.js';

export function staleMessage(merchant: string, planned: number | null, live: LiveMerchant | null): string {
  const current = live?.pending ?? live?.active ?? null;
  const against = planned === null ? `${merchant} did not exist yet` : `version ${planned} of ${merchant}`;
  if (!current) {
    return `the plan was computed when ${against}; ${merchant} has no live version now. Plan again and review the new plan`;
  }
  return (
    `the plan was computed against ${planned === null ? `no version (${merchant} did not exist yet)` : `version ${planned}`}; ` +
    `version ${current.version} of ${merchant} is live now (${current.status}), applied ${current.appliedAt} by ${current.actor}` +
    `${current.sourceRef ? ` from ${current.sourceRef}` : ''}. Plan again and review the new plan`
  );
}
