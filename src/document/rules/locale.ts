/** `time.zone`, `currency.code`, `cron.expression`. */
import type { Finding } from '../diagnostics.js';
import { checkCron } from '../../model/cron.js';
import { isTimeZone } from '../../model/localDate.js';
import { isCurrency } from '../../model/money.js';
import { prop, recordAt } from './read.js';

export function checkLocale(doc: unknown): Finding[] {
  const findings: Finding[] = [];
  const metadata = recordAt(doc, 'metadata');

  const zone = prop(metadata, 'timezone');
  if (typeof zone === 'string' && !isKnownZone(zone)) {
    const fixed = caseFix(zone);
    findings.push({
      code: 'time.zone',
      pointer: '/metadata/timezone',
      message: `'${zone}' is not an IANA time zone name; ${fixed ? `did you mean '${fixed}'?` : 'use a name such as Asia/Shanghai, Europe/Berlin or UTC (not an offset)'}`,
    });
  }

  const currency = prop(metadata, 'currency');
  if (typeof currency === 'string' && !isCurrency(currency)) {
    const upper = currency.toUpperCase();
    findings.push({
      code: 'currency.code',
      pointer: '/metadata/currency',
      message: `'${currency}' is not an ISO 4217 currency code; ${isCurrency(upper) ? `did you mean '${upper}'?` : 'use a code such as USD, EUR or JPY'}`,
    });
  }

  const cron = prop(recordAt(doc, 'spec', 'evaluation'), 'cron');
  if (typeof cron === 'string') {
    const check = checkCron(cron);
    if (!check.ok) {
      findings.push({
        code: 'cron.expression',
        pointer: '/spec/evaluation/cron',
        message: `'${cron}' is not a valid cron expression (${check.message}); the default is "0 3 * * *" (every day at 03:00)`,
      });
    }
  }
  return findings;
}

/**
 * The runtime's canonical zone names ('Asia/Shanghai') and UTC, listed without building an Intl
 * formatter: the first formatter costs tens of milliseconds, a good part of a cold
 * `tierform validate`. Every name listed is a time zone by `isTimeZone` (a test checks that on
 * the runtime); any other name (a link such as 'US/Eastern', a misspelling) is judged by it.
 */
let canonicalZones: ReadonlySet<string> | undefined;

/** The names taken as zones without asking Intl (exported for the test of that promise). */
export function canonicalZoneNames(): ReadonlySet<string> {
  // The list leaves out UTC, the one link most programs name.
  canonicalZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  return canonicalZones;
}

function isKnownZone(zone: string): boolean {
  return canonicalZoneNames().has(zone) || isTimeZone(zone);
}

/** The canonical spelling of a zone name written in the wrong case, if any. */
function caseFix(zone: string): string | undefined {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    return resolved !== zone && isTimeZone(resolved) ? resolved : undefined;
  } catch {
    return undefined;
  }
}
