/**
 * Physical lines of a byte stream, numbered from 1, read chunk by chunk: memory stays bounded by
 * the chunk size and the longest line. Lines come in batches (one per chunk) so the per-line
 * cost is a function call, not a promise. A UTF-8 byte order mark at the start and a `\r`
 * before each `\n` are dropped.
 */
import { StringDecoder } from 'node:string_decoder';
import { firstInvalidUtf8, incompleteTail } from './utf8.js';

export interface LineBatch {
  /** Line number of `lines[0]` (1-based). */
  first: number;
  lines: string[];
  /** A line holding bytes that are not UTF-8 (their text there is U+FFFD): the file is rejected. */
  notUtf8?: number;
}

export interface ReadLinesOptions {
  /** Called after each chunk with the bytes read so far (a progress bar's position). */
  onBytes?: (bytesRead: number) => void;
}

export async function* readLineBatches(source: AsyncIterable<Buffer | string>, opts: ReadLinesOptions = {}): AsyncGenerator<LineBatch> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let next = 1;
  let bytes = 0;
  let first = true;
  let tail: Uint8Array = new Uint8Array(0);
  /** The line of the first bytes that are not UTF-8, until it is handed on; reported once. */
  let notUtf8: number | undefined;
  let reported = false;
  for await (const chunk of source) {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
      bytes += Buffer.byteLength(chunk);
    } else {
      text = decoder.write(chunk);
      bytes += chunk.length;
      if (!reported && text.includes('\uFFFD')) {
        const at = firstInvalidUtf8(Buffer.concat([tail, chunk]));
        if (at >= 0) {
          notUtf8 = next + countNewlines(chunk, Math.max(0, at - tail.length));
          reported = true;
        }
      }
      tail = incompleteTail(chunk);
    }
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const lines: string[] = [];
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl !== -1 && rest.length > 0) {
      lines.push(stripCr(rest + text.slice(0, nl)));
      rest = '';
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl !== -1) {
      lines.push(stripCr(text.slice(start, nl)));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    rest += text.slice(start);
    if (lines.length > 0 || notUtf8 !== undefined) {
      yield notUtf8 === undefined ? { first: next, lines } : { first: next, lines, notUtf8 };
      next += lines.length;
      notUtf8 = undefined;
    }
    opts.onBytes?.(bytes);
  }
  const end = decoder.end();
  if (end.length > 0 && !reported) notUtf8 = next;
  rest += end;
  if (first && rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
  if (rest.length > 0 || notUtf8 !== undefined) {
    const last = { first: next, lines: rest.length > 0 ? [stripCr(rest)] : [] };
    yield notUtf8 !== undefined ? { ...last, notUtf8 } : last;
  }
}

function countNewlines(chunk: Buffer | Uint8Array, end: number): number {
  let n = 0;
  for (let i = chunk.indexOf(10); i >= 0 && i < end; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}

function stripCr(text: string): string {
  return text.length > 0 && text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
}
