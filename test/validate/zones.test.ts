/**
 * validate takes the runtime's canonical zone names (and UTC) as zones without building an Intl
 * formatter, for start-up; that is only sound while each of them is a zone by `isTimeZone`, the
 * judge of every other name. This checks the promise on the runtime the tests run on.
 */
import { describe, expect, it } from 'vitest';
import { canonicalZoneNames, checkLocale } from '../../src/document/rules/locale.js';
import { isTimeZone } from '../../src/model/localDate.js';

describe('time zones validate takes without asking Intl', () => {
  it('are all time zones by isTimeZone', () => {
    const names = [...canonicalZoneNames()];
    expect(names.length).toBeGreaterThan(300);
    expect(names.filter((z) => !isTimeZone(z))).toEqual([]);
  });

  it('leave every other name to isTimeZone: links pass, case and offsets do not', () => {
    const zoneFindings = (timezone: string) => checkLocale({ metadata: { timezone } }).filter((f) => f.code === 'time.zone');
    expect(zoneFindings('US/Eastern')).toEqual([]);
    expect(zoneFindings('UTC')).toEqual([]);
    expect(zoneFindings('asia/shanghai').map((f) => f.message)).toEqual(["'asia/shanghai' is not an IANA time zone name; did you mean 'Asia/Shanghai'?"]);
    expect(zoneFindings('+08:00')).toHaveLength(1);
  });
});
