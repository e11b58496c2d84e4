/**
 * Deterministic test data for one merchant: members and their orders over the 3 years before a
 * given instant, as NDJSON or CSV, written as a stream (a 20,000,000-order file never sits in
 * memory). The same seed gives the same bytes.
 *
 *   node --import tsx bench/generate.ts orders  --merchant acme --members 1000000 --orders 20000000 --out orders.ndjson
 *   node --import tsx bench/generate.ts members --merchant acme --members 1000000 --format csv --out members.csv
 *
 * Orders: ~3% cancelled, ~2% fully refunded, ~3% partly refunded, ~2% tagged `gift_card` (an
 * excluded tag), ~5% tagged `sale`; amounts 1.00–500.00 in the merchant's 2-decimal currency.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRandom } from '../src/model/random.js';

export { seededRandom };

export type GeneratedKind = 'orders' | 'members';
export type GeneratedFormat = 'ndjson' | 'csv';

export interface GenerateOptions {
  merchant: string;
  members: number;
  /** Orders to write (orders only). */
  orders: number;
  /** Orders are paid in the 3 years before this instant; members join before their orders. */
  before: Date;
  seed: number;
  /**
   * Every n-th order (members: member) is written changed, the rest exactly as without it: an
   * order flips between paid and fully refunded, a member gets another name. The same file with
   * and without it is a first load and a re-import that updates 1/n of the rows.
   */
  changeEvery?: number;
}

const YEAR_MS = 365 * 24 * 3_600_000;
const SPAN_MS = 3 * YEAR_MS;
const LINES_PER_CHUNK = 8192;

function cents(minor: number): string {
  const major = Math.floor(minor / 100);
  const rest = minor % 100;
  return `${major}.${rest < 10 ? '0' : ''}${rest}`;
}

/** The file's text in chunks of whole lines (header first for CSV). */
export function* generateChunks(kind: GeneratedKind, format: GeneratedFormat, o: GenerateOptions): Generator<string> {
  const random = seededRandom(o.seed);
  const end = o.before.getTime();
  const csv = format === 'csv';
  const merchantJson = JSON.stringify(o.merchant);
  let chunk = '';
  let inChunk = 0;
  if (kind === 'members') {
    if (csv) chunk = 'merchant,member,joinedAt,name,birthday\n';
    for (let i = 0; i < o.members; i++) {
      const joinedAt = new Date(end - SPAN_MS - Math.floor(random() * YEAR_MS)).toISOString();
      const hasBirthday = random() < 0.5;
      const month = 1 + Math.floor(random() * 12);
      const day = 1 + Math.floor(random() * 28);
      const birthday = hasBirthday ? `${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}` : '';
      const name = o.changeEvery !== undefined && i % o.changeEvery === 0 ? `Member ${i} (renamed)` : `Member ${i}`;
      chunk += csv
        ? `${o.merchant},m${i},${joinedAt},${name},${birthday}\n`
        : `{"merchant":${merchantJson},"member":"m${i}","joinedAt":"${joinedAt}","name":"${name}"${hasBirthday ? `,"birthday":"${birthday}"` : ''}}\n`;
      if (++inChunk === LINES_PER_CHUNK) {
        yield chunk;
        chunk = '';
        inChunk = 0;
      }
    }
  } else {
    if (csv) chunk = 'merchant,order,member,amount,paidAt,status,refunded,tags\n';
    for (let i = 0; i < o.orders; i++) {
      const member = Math.floor(random() * o.members);
      const paidAt = new Date(end - 1000 - Math.floor(random() * SPAN_MS)).toISOString();
      const amountMinor = 100 + Math.floor(random() * 49_901);
      const roll = random();
      let status = 'paid';
      let refundedMinor = 0;
      if (roll < 0.03) status = 'cancelled';
      else if (roll < 0.05) {
        status = 'refunded';
        refundedMinor = amountMinor;
      } else if (roll < 0.08) refundedMinor = Math.floor(amountMinor * random());
      if (o.changeEvery !== undefined && i % o.changeEvery === 0) {
        const wasPaid = status === 'paid' && refundedMinor === 0;
        status = wasPaid ? 'refunded' : 'paid';
        refundedMinor = wasPaid ? amountMinor : 0;
      }
      const tagRoll = random();
      const tag = tagRoll < 0.02 ? 'gift_card' : tagRoll < 0.07 ? 'sale' : '';
      const amount = cents(amountMinor);
      const refunded = cents(refundedMinor);
      chunk += csv
        ? `${o.merchant},o${i},m${member},${amount},${paidAt},${status},${refunded},${tag}\n`
        : `{"merchant":${merchantJson},"order":"o${i}","member":"m${member}","amount":"${amount}","paidAt":"${paidAt}","status":"${status}"${refundedMinor > 0 ? `,"refunded":"${refunded}"` : ''}${tag ? `,"tags":["${tag}"]` : ''}}\n`;
      if (++inChunk === LINES_PER_CHUNK) {
        yield chunk;
        chunk = '';
        inChunk = 0;
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Writes a generated file, honouring the stream's back-pressure; returns the bytes written. */
export async function writeGenerated(path: string, kind: GeneratedKind, format: GeneratedFormat, o: GenerateOptions): Promise<number> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let bytes = 0;
  for (const chunk of generateChunks(kind, format, o)) {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      merchant: { type: 'string', default: 'acme' },
      members: { type: 'string', default: '1000' },
      orders: { type: 'string', default: '20000' },
      before: { type: 'string', default: '2026-11-01T00:00:00Z' },
      seed: { type: 'string', default: '1' },
      format: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const kind = positionals[0];
  if ((kind !== 'orders' && kind !== 'members') || !values.out) {
    console.error('usage: bench/generate.ts orders|members --out <file> [--format ndjson|csv] [--merchant id] [--members n] [--orders n] [--before instant] [--seed n]');
    process.exit(1);
  }
  const format = (values.format ?? (values.out.endsWith('.csv') ? 'csv' : 'ndjson')) as GeneratedFormat;
  const t0 = performance.now();
  const bytes = await writeGenerated(values.out, kind, format, {
    merchant: values.merchant,
    members: Number(values.members),
    orders: Number(values.orders),
    before: new Date(values.before),
    seed: Number(values.seed),
  });
  console.error(`wrote ${values.out}: ${(bytes / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
