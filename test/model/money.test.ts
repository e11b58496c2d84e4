import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatMoney, isCurrency, minorDigits, parseMoney } from '../../src/model/money.js';

describe('currencies', () => {
  it('knows minor digits', () => {
    expect(minorDigits('USD')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('KWD')).toBe(3);
    expect(minorDigits('CLF')).toBe(4);
    expect(minorDigits('XAF')).toBe(0);
    expect(minorDigits('CNY')).toBe(2);
  });
  it('refuses unknown and badly written codes', () => {
    for (const c of ['usd', 'XXX', 'XAU', 'US', 'ABC', '', 'toString', '__proto__']) expect(isCurrency(c)).toBe(false);
    expect(isCurrency(42)).toBe(false);
  });
});

describe('parseMoney', () => {
  const ok = (v: unknown, c = 'USD') => {
    const r = parseMoney(v, c);
    if (!r.ok) throw new Error(r.message);
    return r.minor;
  };
  const code = (v: unknown, c = 'USD') => {
    const r = parseMoney(v, c);
    return r.ok ? 'ok' : r.code;
  };

  it('reads numbers and decimal strings into minor units', () => {
    expect(ok(12.5)).toBe(1250n);
    expect(ok('12.50')).toBe(1250n);
    expect(ok(0)).toBe(0n);
    expect(ok(-0)).toBe(0n);
    expect(ok('0.00')).toBe(0n);
    expect(ok(0.1)).toBe(10n);
    expect(ok(0.29)).toBe(29n); // 0.29 * 100 is 28.999999999999996 in floats
    expect(ok(1000, 'JPY')).toBe(1000n);
    expect(ok('1.234', 'KWD')).toBe(1234n);
    expect(ok('1.5000')).toBe(150n);
    expect(ok('007')).toBe(700n);
    expect(ok(1e3)).toBe(100000n);
    expect(ok('1e3')).toBe(100000n);
    expect(ok('1.5e1')).toBe(1500n);
    expect(ok('125e-2')).toBe(125n);
  });

  it('reports too many decimals as precision', () => {
    expect(code(12.345)).toBe('money.precision');
    expect(code('12.345')).toBe('money.precision');
    expect(code(1.5, 'JPY')).toBe('money.precision');
    expect(code(1e-7)).toBe('money.precision');
    expect(code('1.2345', 'KWD')).toBe('money.precision');
  });

  it('reports negatives, NaN, infinity, garbage and overflow as range', () => {
    for (const v of [-1, '-0.01', NaN, Infinity, -Infinity, 'abc', '', '.', '1.2.3', null, true, {}, [], 1e21, '99999999999999999999'])
      expect(code(v)).toBe('money.range');
    expect(code('-0')).toBe('ok');
  });

  it('round-trips with formatMoney', () => {
    expect(formatMoney(1250n, 'USD')).toBe('12.50');
    expect(formatMoney(5n, 'USD')).toBe('0.05');
    expect(formatMoney(5n, 'JPY')).toBe('5');
    expect(formatMoney(1234n, 'KWD')).toBe('1.234');
    expect(formatMoney(-5n, 'USD')).toBe('-0.05');
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.constantFrom('USD', 'JPY', 'KWD', 'CLF'), (minor, c) => {
        expect(ok(formatMoney(minor, c), c)).toBe(minor);
      }),
    );
  });

  it('agrees with exact cents for every two-decimal number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (cents) => {
        const n = Number(`${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`);
        expect(ok(n)).toBe(BigInt(cents));
      }),
    );
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.anything(), fc.string(), (v, c) => void parseMoney(v, c)));
    fc.assert(fc.property(fc.double(), (v) => void parseMoney(v, 'USD')));
  });
});

describe('parseMoney on generated decimal text', () => {
  it('matches the digits for every scale', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{1,12}$/),
        fc.stringMatching(/^[0-9]{0,6}$/),
        fc.constantFrom('USD', 'JPY', 'KWD', 'CLF'),
        (int, frac, c) => {
          const scale = minorDigits(c)!;
          const r = parseMoney(frac ? `${int}.${frac}` : int, c);
          const significant = frac.replace(/0+$/, '');
          if (significant.length > scale) {
            expect(r.ok ? 'ok' : r.code).toBe('money.precision');
          } else {
            expect(r).toEqual({ ok: true, minor: BigInt(int + significant.padEnd(scale, '0')) });
          }
        },
      ),
    );
  });
});
