/**
 * Money: amounts are written in major units (YAML numbers or decimal strings) and held as an
 * integer count of minor units (bigint). Strings are converted digit by digit, never through a
 * binary float; numbers go through their shortest round-trip decimal form (`String(n)`).
 */

/** Active ISO 4217 codes and their minor digits. Codes without a minor unit (metals, XDR, …) are left out: they cannot price anything. */
const MINOR_DIGITS: Readonly<Record<string, number>> = Object.freeze({
  ...digits(2, `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD
    LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK
    PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG`),
  ...digits(0, 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'),
  ...digits(3, 'BHD IQD JOD KWD LYD OMR TND'),
  ...digits(4, 'CLF UYW'),
});

function digits(n: number, codes: string): Record<string, number> {
  return Object.fromEntries(codes.split(/\s+/).filter(Boolean).map((c) => [c, n]));
}

/** The largest amount the store can hold: PostgreSQL bigint. */
export const MAX_MINOR = 2n ** 63n - 1n;

export function isCurrency(code: unknown): boolean {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(MINOR_DIGITS, code);
}

/** Minor digits of a currency; undefined when the code is not an active ISO 4217 currency. */
export function minorDigits(code: string): number | undefined {
  return isCurrency(code) ? MINOR_DIGITS[code] : undefined;
}

export function currencyCodes(): string[] {
  return Object.keys(MINOR_DIGITS).sort();
}

export type MoneyResult =
  | { ok: true; minor: bigint }
  | { ok: false; code: 'money.precision' | 'money.range'; message: string };

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parse an amount in major units of `currency` into minor units.
 * Accepts finite non-negative numbers and decimal strings such as "12.50" or "1e3".
 * Unknown currencies are judged with 2 minor digits (the currency code is reported on its own).
 */
export function parseMoney(value: unknown, currency: string): MoneyResult {
  const scale = minorDigits(currency) ?? 2;
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return range(`${String(value)} is not an amount; write a number such as 12.50`);
    text = String(value);
  } else if (typeof value === 'bigint') {
    text = value.toString();
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return range(`expected an amount (a number or a decimal string such as "12.50"), got ${describe(value)}`);
  }
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    return range(`${JSON.stringify(text)} is not an amount; write a number such as 12.50`);
  }
  const [, sign, intPart = '', fracPart = '', expPart] = m;
  const exponent = expPart === undefined ? 0 : Number(expPart);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000) {
    return range(`${text} is out of range`);
  }
  // value = digits × 10^(pointAt − digits.length): the decimal point sits `pointAt` digits from the start.
  let digitsText = intPart + fracPart;
  let pointAt = intPart.length + exponent;
  // Leading and trailing zeros do not change the value: the point stays `pointAt` digits from the start.
  const lead = /^0*/.exec(digitsText)![0].length;
  digitsText = digitsText.slice(lead).replace(/0+$/, '');
  pointAt -= lead;
  const isZero = digitsText === '';
  if (sign === '-' && !isZero) return range(`${text} is negative; amounts must be 0 or more`);
  if (isZero) return { ok: true, minor: 0n };
  const fractionDigits = Math.max(0, digitsText.length - pointAt);
  if (fractionDigits > scale) {
    return {
      ok: false,
      code: 'money.precision',
      message: `${text} has ${fractionDigits} decimal places but ${currency} allows ${scale === 0 ? 'none' : `at most ${scale}`}; round it to ${scale} decimal place${scale === 1 ? '' : 's'}`,
    };
  }
  // Integer digits of the minor amount: digits followed by (pointAt + scale - length) zeros.
  const zeros = pointAt + scale - digitsText.length;
  if (digitsText.length + zeros > 19) return range(`${text} is too large`);
  const minor = BigInt(digitsText + '0'.repeat(zeros));
  if (minor > MAX_MINOR) return range(`${text} is too large`);
  return { ok: true, minor };
}

function range(message: string): MoneyResult {
  return { ok: false, code: 'money.range', message };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Minor units as a major-unit decimal string: 1250n USD → "12.50", 5n JPY → "5". */
export function formatMoney(minor: bigint, currency: string): string {
  const scale = minorDigits(currency) ?? 2;
  const negative = minor < 0n;
  const abs = (negative ? -minor : minor).toString();
  if (scale === 0) return (negative ? '-' : '') + abs;
  const padded = abs.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}
