/** Values as messages show them. */
import { formatMoney } from '../../model/money.js';

/** Minor units as a short major-unit amount: 50000n USD → "500", 1250n → "12.5". */
export function showAmount(minor: bigint, currency: string): string {
  const text = formatMoney(minor, currency);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

export function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}
