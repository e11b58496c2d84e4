/**
 * The program-type switch limit (SPEC §3.4): a switch at `now` is allowed iff fewer than
 * `limit.count` switches were applied in `(now − windowHours, now]`. Pure, so apply can run the
 * same arithmetic inside its transaction, after locking the merchant and reading its switches.
 */
export interface SwitchLimit {
  count: number;
  windowHours: number;
}

export interface SwitchBudgetResult {
  /** Switches in the window, not counting the one being asked for. */
  used: number;
  allowed: boolean;
  /** When the next switch becomes possible (ISO, UTC); null when one is allowed now. */
  nextAllowedAt: string | null;
}

const HOUR_MS = 3_600_000;

export function switchBudget(switches: readonly (string | Date)[], now: Date, limit: SwitchLimit): SwitchBudgetResult {
  const windowMs = limit.windowHours * HOUR_MS;
  const end = now.getTime();
  const start = end - windowMs;
  const inWindow = switches
    .map((s) => (s instanceof Date ? s.getTime() : Date.parse(s)))
    .filter((t) => Number.isFinite(t) && t > start && t <= end)
    .sort((x, y) => x - y);
  const used = inWindow.length;
  if (used < limit.count) return { used, allowed: true, nextAllowedAt: null };
  // Enough switches must leave the window for the count to drop below the limit; with exactly
  // `count` of them, that is the oldest one. A limit of 0 never allows a switch.
  const leaving = inWindow[used - limit.count];
  const nextAllowedAt = leaving === undefined ? null : new Date(leaving + windowMs).toISOString();
  return { used, allowed: false, nextAllowedAt };
}
