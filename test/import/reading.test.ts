/** The file-reading stages without a database: lines, CSV records, field readers, COPY text, the progress bar. */
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { readLineBatches } from '../../src/import/lines.js';
import { createRecordReader, parseCsvRecord, type ColumnSpec } from '../../src/import/records.js';
import { isInstant, readAmount, readBirthday } from '../../src/import/fields.js';
import { copyText, copyTextArray } from '../../src/import/copyText.js';
import { parseInstant } from '../../src/model/instant.js';
import { createProgress } from '../../src/cli/progress.js';

async function lines(chunks: (string | Buffer)[]): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for await (const b of readLineBatches((async function* () { yield* chunks; })())) b.lines.forEach((l, i) => out.push([b.first + i, l]));
  return out;
}

describe('reading lines', () => {
  it('numbers lines across chunk boundaries, drops a BOM and CRs, keeps a last line without a newline', async () => {
    expect(await lines(['\uFEFFab', 'c\r\n\r\nd', 'e\nf'])).toEqual([[1, 'abc'], [2, ''], [3, 'de'], [4, 'f']]);
  });

  it('decodes UTF-8 split inside a character', async () => {
    const bytes = Buffer.from('é€\n', 'utf8');
    expect(await lines([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3)])).toEqual([[1, 'é€']]);
  });
});

describe('CSV records', () => {
  it('follows RFC 4180 quoting', () => {
    expect(parseCsvRecord('a,"b,c","d ""e""",')).toEqual(['a', 'b,c', 'd "e"', '']);
    expect(parseCsvRecord('"open')).not.toBeTypeOf('string');
    expect(parseCsvRecord('a"b,c')).toBeTypeOf('string');
    expect(parseCsvRecord('"a"b,c')).toBeTypeOf('string');
  });

  it('splits list columns on | and leaves empty cells out', () => {
    const columns: ColumnSpec[] = [{ name: 'id', required: true }, { name: 'note', required: false }, { name: 'tags', required: false, list: true }];
    const got: unknown[] = [];
    const reader = createRecordReader('csv', columns, { record: (line, r) => got.push([line, r]), problem: (line, m) => got.push([line, m]) });
    ['id,note,tags', 'a,,x|y', '', 'b,"two', 'lines",', ',n,'].forEach((t, i) => reader.feed(i + 1, t));
    reader.end();
    expect(got).toEqual([[2, { id: 'a', tags: ['x', 'y'] }], [4, { id: 'b', note: 'two\nlines' }], [6, "missing field 'id'"]]);
  });
});

describe('field readers', () => {
  it('accept the instants src/model/instant.ts accepts', () => {
    for (const t of ['2026-02-28T23:59:59Z', '2024-02-29T00:00:00+08:00', '2026-03-01T10:00+05:30', '2026-03-01T10:00:00.123456789-03:00', '2025-02-29T00:00:00Z', '2026-03-01T10:00:00', '2026-13-01T00:00:00Z', '2026-04-31T00:00:00Z', '2026-03-01T24:00:00Z', '2026-03-01 10:00:00Z']) {
      expect(isInstant(t), t).toBe(parseInstant(t) !== undefined);
    }
  });

  it('read amounts as minor units and birthdays as calendar dates', () => {
    expect(readAmount('12.5', 'amount', 'USD')).toBe(1250n);
    expect(readAmount(7, 'amount', 'JPY')).toBe(7n);
    expect(() => readAmount('1.5', 'amount', 'JPY')).toThrow(/JPY/);
    expect(readBirthday('02-29', 'birthday')).toBe('02-29');
    expect(() => readBirthday('1900-02-29', 'birthday')).toThrow(/calendar/);
    expect(() => readBirthday('2-3', 'birthday')).toThrow(/MM-DD/);
  });
});

describe('COPY text', () => {
  it('escapes backslash, tab and line breaks, and quotes array elements', () => {
    expect(copyText('plain')).toBe('plain');
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyTextArray([])).toBe('{}');
    expect(copyTextArray(['a', 'b "c"', 'd\\e'])).toBe('{"a","b \\\\"c\\\\"","d\\\\\\\\e"}');
  });
});

describe('progress bar', () => {
  const capture = (isTTY: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } => {
    const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
    stream.isTTY = isTTY;
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    return { stream, text: () => Buffer.concat(parts).toString('utf8') };
  };

  it('draws nothing when the stream is not a terminal', () => {
    const out = capture(false);
    const bar = createProgress(out.stream);
    bar.start(100, 'importing');
    bar.update(50);
    bar.done();
    expect(out.text()).toBe('');
  });

  it('draws a bar and ends the line on a terminal', () => {
    const out = capture(true);
    const bar = createProgress(out.stream);
    bar.start(100, 'importing');
    bar.update(100);
    bar.done();
    expect(out.text()).toContain('importing [');
    expect(out.text()).toMatch(/100%\u001b\[K\n$/);
  });
});
