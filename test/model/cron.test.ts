import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import cron from 'node-cron';
import { checkCron, isValidCron } from '../../src/model/cron.js';

const valid = ['0 3 * * *', '*/5 * * * *', '0 3 * * MON', '0 3 * * mon-fri', '0 3 1-5/2 JAN,feb *', '0 3 * * 7', '0 0 29 2 *',
  '0 0 31 4,5 *', '30 0 3 * * *', '0-59/15 * * * *', '3-5,*/2 * * * *', ' 0 3 * * * ', '0  3 * * *'];
const invalid = ['', '0 3 * *', '* * * * * * *', '61 * * * *', '0 24 * * *', '0 3 * * 8', '0 0 0 * *', '* * * 13 *', '0 0 31 2 *',
  '5-1 * * * *', '*/0 * * * *', '5/10 * * * *', 'a b c d e', '0 3 ? * *', '* * L * *', '* * * * 1#2', '* * * * Sunday',
  '0\t3 * * *', ',,, * * * *', '1.5 * * * *', '-5 * * * *'];

describe('cron', () => {
  it('accepts standard expressions', () => {
    for (const e of valid) expect(isValidCron(e), e).toBe(true);
  });
  it('refuses malformed ones with a reason', () => {
    for (const e of invalid) {
      const r = checkCron(e);
      expect(r.ok, e).toBe(false);
    }
    expect(isValidCron(null)).toBe(false);
  });
  it('accepts nothing node-cron would refuse', () => {
    for (const e of valid) expect(cron.validate(e), e).toBe(true);
    const token = fc.constantFrom('*', '0', '1', '5', '7', '12', '13', '23', '24', '29', '30', '31', '59', '60', 'jan', 'MON', 'sun', 'x',
      '*/5', '1-5', '5-1', '1-5/2', '*/0', '1,2', '2,*/3', '');
    fc.assert(
      fc.property(fc.array(token, { minLength: 4, maxLength: 7 }), (fields) => {
        const e = fields.join(' ');
        if (isValidCron(e)) expect(cron.validate(e), e).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
