/* Generated from schemas/ by scripts/codegen.ts. Do not edit: change the schema and run `npm run codegen`. */
/**
 * Which orders count: lifetime (default), since_last_upgrade, { rolling: { months|days: N } } or { fixed: { from, to } }.
 */
export type Window = ('lifetime' | 'since_last_upgrade') | WindowRange;
/**
 * A merchant's membership program (tierform.dev/v1): tier levels and paid membership plans.
 */
export interface MembershipProgram {
  /**
   * Document format version.
   */
  apiVersion: 'tierform.dev/v1';
  /**
   * Document kind.
   */
  kind: 'MembershipProgram';
  /**
   * Who the program belongs to and how to read its amounts and dates.
   */
  metadata: {
    /**
     * The merchant id, the key of the program: lowercase letters, digits and dashes; must match the directory under programs/.
     */
    merchant: string;
    /**
     * The merchant's platform plan; caps come from the catalog.
     */
    subscription: string;
    /**
     * IANA time zone (e.g. Europe/Berlin); defines local dates for windows, expiry and daily runs.
     */
    timezone: string;
    /**
     * ISO 4217 code (e.g. USD); every amount is in major units of it.
     */
    currency: string;
  };
  /**
   * The program itself.
   */
  spec: {
    /**
     * The active program type: levels (tiers) or paid (paid plans).
     */
    type: 'levels' | 'paid';
    /**
     * The "enable rule" toggle (default true).
     */
    enabled?: boolean;
    /**
     * When existing members are recalculated for this version.
     */
    effective?: {
      /**
       * immediate (default): at apply time; scheduled: at `at`.
       */
      mode?: 'immediate' | 'scheduled';
      /**
       * The instant (ISO 8601 with offset) a scheduled version takes effect; only with mode scheduled.
       */
      at?: string;
      /**
       * recalculate (default): everyone is re-derived; upgrade_only: members only move up; keep: members meet the new rules at their next daily evaluation.
       */
      existingMembers?: 'recalculate' | 'upgrade_only' | 'keep';
    };
    /**
     * The daily member evaluation.
     */
    evaluation?: {
      /**
       * Cron expression in the merchant's time zone (default "0 3 * * *").
       */
      cron?: string;
    };
    levels?: Levels;
    /**
     * Paid membership (required when type is paid).
     */
    paid?: {
      /**
       * The paid plans on sale.
       */
      plans: PaidPlan[];
      /**
       * Benefits granted once to every member who joins (registers, or is first seen in an order import) while this program is active, by the first evaluation at or after the member's joinedAt. Members who joined before the version that adds them get nothing retroactively.
       */
      welcome?: WelcomeBenefit[];
    };
    /**
     * Message templates sent to members on events.
     */
    notifications?: {
      /**
       * Sent when a member reaches a higher tier. Placeholders: {member.name}, {member.id}, {tier.name}, {tier.benefits}, {plan.name}, {expiresAt}, {program.rules}.
       */
      upgrade?: string;
      /**
       * Sent when a member falls to a lower tier or becomes basic. Placeholders: {member.name}, {member.id}, {tier.name}, {tier.benefits}, {plan.name}, {expiresAt}, {program.rules}.
       */
      downgrade?: string;
      /**
       * Sent when a member's level is extended by retention. Placeholders: {member.name}, {member.id}, {tier.name}, {tier.benefits}, {plan.name}, {expiresAt}, {program.rules}.
       */
      extension?: string;
      /**
       * Sent when a paid membership starts. Placeholders: {member.name}, {member.id}, {tier.name}, {tier.benefits}, {plan.name}, {expiresAt}, {program.rules}.
       */
      paidStart?: string;
      /**
       * Sent when a paid membership is renewed. Placeholders: {member.name}, {member.id}, {tier.name}, {tier.benefits}, {plan.name}, {expiresAt}, {program.rules}.
       */
      renewal?: string;
      /**
       * Sent when a paid membership ends. Placeholders: {member.name}, {member.id}, {tier.name}, {tier.benefits}, {plan.name}, {expiresAt}, {program.rules}.
       */
      expiry?: string;
      /**
       * Sent once to each member who joins while the program is active, with the welcome benefits. Placeholders: {member.name}, {member.id}, {tier.name}, {tier.benefits}, {plan.name}, {expiresAt}, {program.rules} (the program's rules, one sentence per tier).
       */
      join?: string;
      /**
       * Local time of day (HH:MM, in metadata.timezone) at which messages are released: each message waits for the next sendAt at or after its event.
       */
      sendAt?: string;
      /**
       * The longest a rendered message may be, in characters; plan renders each template with the longest values the live data and the version can produce and fails (notifications.too-long) if any exceeds it.
       */
      maxLength?: number;
    };
  };
}

/**
 * The tiered program: rules and tiers.
 */
export interface Levels {
  /**
   * Local date; orders paid before it never count (default: none).
   */
  activeFrom?: string;
  /**
   * How members qualify for tiers.
   */
  upgrade?: {
    /**
     * accumulated: sum of eligible orders in the window (default); single_order: the largest single order.
     */
    basis?: 'accumulated' | 'single_order';
    /**
     * true: every window starts no earlier than the member's last upgrade, extension or fall, so spend counts from 0 after each move (default false).
     */
    restartOnMove?: boolean;
    window?: Window;
    /**
     * Order tags that never count.
     *
     * Items: An order tag.
     */
    exclude?: string[];
  };
  /**
   * When members lose their tier.
   */
  downgrade?: {
    /**
     * never (default): tiers are kept; validity: a tier lasts `validity` after the upgrade; recompute: members are re-derived every evaluation.
     */
    mode?: 'never' | 'validity' | 'recompute';
    validity?: Duration;
    /**
     * Level lock-in: a member who meets the tier's `retain` during the validity is extended (mode validity only).
     */
    retention?: {
      extend: Duration;
      /**
       * How the retention standard measures spend in the validity period: single_order (the largest order) or accumulated (the sum); default: the upgrade basis.
       */
      basis?: 'single_order' | 'accumulated';
    };
  };
  /**
   * recalculate (default): refunds can demote members; ignore: they never do.
   */
  refunds?: 'recalculate' | 'ignore';
  /**
   * Tiers ordered lowest to highest; the order is the rank.
   */
  tiers: Tier[];
  /**
   * Benefits granted once to every member who joins (registers, or is first seen in an order import) while this program is active, by the first evaluation at or after the member's joinedAt. Members who joined before the version that adds them get nothing retroactively.
   */
  welcome?: WelcomeBenefit[];
}

/**
 * A rolling window ending now, or a fixed range of local dates. Exactly one of rolling and fixed.
 */
export interface WindowRange {
  rolling?: Duration;
  /**
   * A fixed range of local dates, both inclusive.
   */
  fixed?: {
    /**
     * First local date (YYYY-MM-DD).
     */
    from: string;
    /**
     * Last local date (YYYY-MM-DD), inclusive.
     */
    to: string;
  };
}

/**
 * A length of time: { months: N } (calendar months, end-of-month clamped) or { days: N }. Exactly one of the two.
 */
export interface Duration {
  /**
   * Number of calendar months (Jan 31 + 1 month = Feb 28/29), 1 to 1200 (100 years).
   */
  months?: number;
  /**
   * Number of days, 1 to 36525 (100 years).
   */
  days?: number;
}

/**
 * A membership level. Tiers are listed lowest to highest; the position is the rank.
 */
export interface Tier {
  /**
   * Stable slug identifying the tier; renaming `name` keeps the identity.
   */
  id: string;
  /**
   * Display name.
   */
  name: string;
  /**
   * A disabled tier holds no members (default true).
   */
  enabled?: boolean;
  threshold: Threshold;
  window?: Window;
  retain?: Threshold;
  /**
   * How the membership card looks.
   */
  card?: {
    /**
     * Icon name.
     */
    icon?: string;
    /**
     * Card color as a hex code, e.g. "#cd7f32".
     */
    color?: string;
  };
  /**
   * Benefits of members at this tier (default none).
   */
  benefits?: LevelBenefit[];
}

/**
 * Spend and/or order count; at least one. When both are set, both must hold.
 */
export interface Threshold {
  /**
   * Spend in major units (by the upgrade basis: accumulated in the window, or a single order).
   */
  amount?: number | string;
  /**
   * Number of eligible orders in the window.
   */
  orders?: number;
}

/**
 * A benefit of a tier. Each type allows only its own fields.
 */
export interface LevelBenefit {
  /**
   * What the benefit is. upgrade_points is for tiers only; join_points is for paid plans only.
   */
  type:
  | 'upgrade_points'
  | 'discount'
  | 'cash_voucher'
  | 'free_shipping'
  | 'birthday_discount'
  | 'exclusive_products'
  | 'prepayment_ratio'
  | 'free_samples'
  | 'custom';
  /**
   * Sales channels where the benefit applies (default: all channels).
   *
   * Items: A sales channel.
   */
  channels?: ('online_store' | 'app' | 'pos' | 'kiosk')[];
  /**
   * Points granted once per member per tier, ever (upgrade_points).
   */
  points?: number;
  /**
   * Percentage discount, 1 to 99 (discount, birthday_discount). Exclusive with amountOff.
   */
  percentOff?: number;
  /**
   * Fixed amount off, in major units (discount, cash_voucher, birthday_discount). Exclusive with percentOff.
   */
  amountOff?: number | string;
  /**
   * Minimum order amount for the discount or voucher to apply (discount, cash_voucher).
   */
  minSpend?: number | string;
  /**
   * Product collections only members with this benefit may buy (exclusive_products).
   *
   * Items: A product collection handle.
   */
  collections?: string[];
  /**
   * Share of the order price that may be prepaid, 0 to 100 (prepayment_ratio).
   */
  percent?: number;
  /**
   * Text shown to members (custom); display only, tierform does not act on it.
   */
  description?: string;
}

/**
 * A benefit granted once to each member who joins while the program is active (grant key welcome:<index>). Each type allows only its own fields.
 */
export interface WelcomeBenefit {
  /**
   * What the new member receives once: join_points (points), discount or cash_voucher (a new-member coupon), free_shipping (one free delivery), free_samples (a gift package), custom (described in description).
   */
  type: 'join_points' | 'discount' | 'cash_voucher' | 'free_shipping' | 'free_samples' | 'custom';
  /**
   * Sales channels where the benefit applies (default: all channels).
   *
   * Items: A sales channel.
   */
  channels?: ('online_store' | 'app' | 'pos' | 'kiosk')[];
  /**
   * Percentage discount, 1 to 99 (discount, birthday_discount). Exclusive with amountOff.
   */
  percentOff?: number;
  /**
   * Fixed amount off, in major units (discount, cash_voucher, birthday_discount). Exclusive with percentOff.
   */
  amountOff?: number | string;
  /**
   * Minimum order amount for the discount or voucher to apply (discount, cash_voucher).
   */
  minSpend?: number | string;
  /**
   * Text shown to members (custom); display only, tierform does not act on it.
   */
  description?: string;
  /**
   * Points granted once when the member joins (join_points).
   */
  points?: number;
}

/**
 * A paid membership plan.
 */
export interface PaidPlan {
  /**
   * Stable slug identifying the plan.
   */
  id: string;
  /**
   * Display name.
   */
  name: string;
  /**
   * Price in major units of the currency.
   */
  price: number | string;
  validity: Duration;
  /**
   * Benefits of members of this plan (default none).
   */
  benefits?: PaidBenefit[];
}

/**
 * A benefit of a paid plan. Each type allows only its own fields; all but join_points and birthday_discount may carry grant.
 */
export interface PaidBenefit {
  /**
   * What the benefit is. join_points is for paid plans only; upgrade_points is for tiers only.
   */
  type:
  | 'join_points'
  | 'discount'
  | 'cash_voucher'
  | 'free_shipping'
  | 'birthday_discount'
  | 'exclusive_products'
  | 'prepayment_ratio'
  | 'free_samples'
  | 'custom';
  /**
   * Sales channels where the benefit applies (default: all channels).
   *
   * Items: A sales channel.
   */
  channels?: ('online_store' | 'app' | 'pos' | 'kiosk')[];
  /**
   * Points granted once per paid purchase (join_points).
   */
  points?: number;
  /**
   * Percentage discount, 1 to 99 (discount, birthday_discount). Exclusive with amountOff.
   */
  percentOff?: number;
  /**
   * Fixed amount off, in major units (discount, cash_voucher, birthday_discount). Exclusive with percentOff.
   */
  amountOff?: number | string;
  /**
   * Minimum order amount for the discount or voucher to apply (discount, cash_voucher).
   */
  minSpend?: number | string;
  /**
   * Product collections only members with this benefit may buy (exclusive_products).
   *
   * Items: A product collection handle.
   */
  collections?: string[];
  /**
   * Share of the order price that may be prepaid, 0 to 100 (prepayment_ratio).
   */
  percent?: number;
  /**
   * Text shown to members (custom); display only, tierform does not act on it.
   */
  description?: string;
  /**
   * When a paid-plan benefit is given: continuous (an entitlement while the membership is active, the default), on_start (once per purchase) or { every: { months: N } } (at the period start and every N months after it).
   */
  grant?: ('continuous' | 'on_start') | PeriodicGrant;
}

/**
 * A benefit granted at the period start and at each N-month anniversary of it while the membership is active.
 */
export interface PeriodicGrant {
  /**
   * The grant interval.
   */
  every: {
    /**
     * Interval in calendar months.
     */
    months: number;
  };
}

/**
 * The platform's caps and policies per subscription (tierform.dev/v1). Platform-owned: merchants cannot raise their own caps.
 */
export interface PlanCatalog {
  /**
   * Document format version.
   */
  apiVersion: 'tierform.dev/v1';
  /**
   * Document kind.
   */
  kind: 'PlanCatalog';
  /**
   * Catalog identity.
   */
  metadata: {
    /**
     * Catalog name.
     */
    name: string;
  };
  /**
   * Caps and policies.
   */
  spec: {
    /**
     * Program-type switches allowed per rolling window.
     */
    switchLimit: {
      /**
       * Switches allowed in any rolling window.
       */
      count: number;
      /**
       * Length of the rolling window in hours.
       */
      windowHours: number;
    };
    /**
     * Rules every program must follow.
     */
    policies: {
      /**
       * Retention (level lock-in) needs upgrade.basis single_order.
       */
      lockInRequiresSingleOrder: boolean;
      minValidity: Duration;
    };
    /**
     * Caps per subscription name.
     */
    subscriptions: {
      [k: string]: Subscription | undefined;
    };
  };
}

/**
 * What a merchant on this subscription may configure.
 */
export interface Subscription {
  /**
   * Tiered program caps.
   */
  levels: {
    /**
     * Most tiers allowed; 0 means no tiered program (type levels is refused).
     */
    maxTiers: number;
    /**
     * Whether activeFrom, upgrade and downgrade may be set (default true); otherwise the defaults apply.
     */
    customRules?: boolean;
  };
  /**
   * Paid membership caps.
   */
  paid: {
    /**
     * Most paid plans allowed; 0 means no paid program.
     */
    maxPlans: number;
  };
}

/** Every document kind, by `kind`, with its type. */
export interface DocumentKinds {
  MembershipProgram: MembershipProgram;
  PlanCatalog: PlanCatalog;
}
