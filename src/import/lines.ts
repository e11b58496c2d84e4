/**
 * Physical lines of a byte stream, numbered from 1, read chunk by chunk: memory stays bounded by
 * the chunk size and the longest line. Lines come in batches (one per chunk) so the per-line
 * cost is a function call, not a promise. A UTF-8 byte order mark at the start and a `\r`
 * before each `\n` are dropped.
 */
import { StringDecoder } from 'node:string_decoder';

export interface LineBatch {
  /** Line number of `lines[0]` (1-based). */
  first: number;
  lines: string[];
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
  for await (const chunk of source) {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
      bytes += Buffer.byteLength(chunk);
    } else {
      text = decoder.write(chunk);
      bytes += chunk.length;
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
    if (lines.length > 0) {
      yield { first: next, lines };
      next += lines.length;
    }
    opts.onBytes?.(bytes);
  }
  rest += decoder.end();
  if (first && rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
  if (rest.length > 0) yield { first: next, lines: [stripCr(rest)] };
}

function stripCr(text: string): string {
  return text.length > 0 && text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
}
