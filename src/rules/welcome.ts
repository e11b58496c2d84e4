/**
 * Welcome benefits and the join notification (SPEC §3.9, v1.1), the per-member reference model.
 * The SQL step (src/engine/welcome.ts) does the same for every member at once.
 *
 * A member is *welcomed* once, by the first evaluation at or after their `joinedAt`, under the
 * version that judges them (the active one, or the pending one for members who joined after its
 * apply). Welcoming grants the version's welcome benefits (key `welcome:<index>`, due at
 * `joinedAt`) and queues its `notifications.join` message — each only if the member joined
 * inside that feature's *era*: the unbroken run of live versions, ending with the judging one,
 * that had it while the program was enabled. So members who joined before the version that adds
 * a welcome get nothing retroactively, and a benefit added later is not handed to members who
 * were welcomed already. See docs/guide/welcome.md.
 */

export interface WelcomeBenefit {
  index: number;
  type: string;
  /** join_points only. */
  points: number | null;
}

export interface WelcomeConfig {
  /** The welcome of the section of the active type (`levels.welcome` or `paid.welcome`); empty when disabled. */
  benefits: WelcomeBenefit[];
  /** `notifications.join`, null without one or while the program is disabled. */
  joinTemplate: string | null;
}

interface DocumentLike {
  spec?: {
    type?: string;
    enabled?: boolean;
    levels?: { welcome?: { type: string; points?: unknown }[] };
    paid?: { welcome?: { type: string; points?: unknown }[] };
    notifications?: { join?: unknown };
  };
}

export function welcomeOf(document: unknown): WelcomeConfig {
  const spec = (document as DocumentLike).spec ?? {};
  if (spec.enabled === false) return { benefits: [], joinTemplate: null };
  const section = (spec.type ?? 'levels') === 'paid' ? spec.paid : spec.levels;
  const benefits = (section?.welcome ?? []).map((b, index) => ({ index, type: b.type, points: typeof b.points === 'number' ? b.points : null }));
  const join = spec.notifications?.join;
  return { benefits, joinTemplate: typeof join === 'string' ? join : null };
}

export interface VersionLike {
  version: number;
  /** active | pending | retired (live once) | superseded | cancelled (never live). */
  status: string;
  appliedAt: Date;
  document: unknown;
}

export interface WelcomeEra {
  /** Members who joined at or after this get the welcome benefits; null: none are granted. */
  benefitsFrom: Date | null;
  /** Members who joined at or after this get the join message; null: none is queued. */
  joinFrom: Date | null;
}

/**
 * Where each feature's era starts for members judged by `judging`: the apply instant of the
 * earliest version in the unbroken run of versions that had it, walking back from `judging`
 * through the versions that were live before it. A version counts from its apply, not its
 * effective instant: a pending version judges the members who join after its apply (§3.5).
 */
export function welcomeEra(judging: VersionLike, versions: readonly VersionLike[]): WelcomeEra {
  const chain = [judging, ...versions.filter((v) => v.version < judging.version && (v.status === 'active' || v.status === 'retired')).sort((a, b) => b.version - a.version)];
  const from = (has: (c: WelcomeConfig) => boolean): Date | null => {
    let start: Date | null = null;
    for (const v of chain) {
      if (!has(welcomeOf(v.document))) break;
      start = v.appliedAt;
    }
    return start;
  };
  return { benefitsFrom: from((c) => c.benefits.length > 0), joinFrom: from((c) => c.joinTemplate !== null) };
}

export interface WelcomeMember {
  joinedAt: Date;
  welcomedAt: Date | null;
}

export interface WelcomeOutcome {
  /** The evaluation welcomes the member now (records welcomedAt = t). */
  welcomed: boolean;
  grants: { key: string; type: string; points: number | null; dueAt: Date }[];
  join: boolean;
}

const NOTHING: WelcomeOutcome = { welcomed: false, grants: [], join: false };

/** What the evaluation at `t` under a version with `config` and `era` does for `member`. */
export function welcomeAt(member: WelcomeMember, config: WelcomeConfig, era: WelcomeEra, t: Date): WelcomeOutcome {
  if (member.welcomedAt !== null || member.joinedAt > t) return NOTHING;
  const inEra = (from: Date | null): boolean => from !== null && member.joinedAt >= from;
  const benefits = inEra(era.benefitsFrom);
  const join = inEra(era.joinFrom);
  if (!benefits && !join) return NOTHING;
  return {
    welcomed: true,
    grants: benefits ? config.benefits.map((b) => ({ key: `welcome:${b.index}`, type: b.type, points: b.points, dueAt: member.joinedAt })) : [],
    join,
  };
}
