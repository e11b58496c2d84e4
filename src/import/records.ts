/**
 * Records of an import file: NDJSON (one JSON object per line) or CSV (RFC 4180, a header row
 * naming the columns). Both give plain objects keyed by column name, with the line number each
 * record starts on, or a problem with that line. Blank lines are skipped.
 */
import type { NumberedLine } from './lines.js';

export type InputFormat = 'ndjson' | 'csv';

export interface ColumnSpec {
  name: string;
  required: boolean;
  /** A list of strings: a JSON array, or in CSV one cell with the items separated by `|`. */
  list?: boolean;
}

export type ImportRecord = Record<string, unknown>;

export type RecordOrProblem =
  | { line: number; record: ImportRecord; problem?: undefined }
  | { line: number; problem: string; record?: undefined };

export function readRecords(lines: AsyncIterable<NumberedLine>, format: InputFormat, columns: readonly ColumnSpec[]): AsyncGenerator<RecordOrProblem> {
  return format === 'csv' ? readCsv(lines, columns) : readNdjson(lines, columns);
}

const BLANK = /^\s*$/;

async function* readNdjson(lines: AsyncIterable<NumberedLine>, columns: readonly ColumnSpec[]): AsyncGenerator<RecordOrProblem> {
  const known = new Set(columns.map((c) => c.name));
  for await (const { line, text } of lines) {
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && BLANK.test(text))) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield { line, problem: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, problem: `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` };
      continue;
    }
    const record = value as ImportRecord;
    const problem = checkFields(record, columns, known);
    yield problem === undefined ? { line, record } : { line, problem };
  }
}

/** Unknown fields, and required fields that are missing or null. Optional nulls count as absent. */
function checkFields(record: ImportRecord, columns: readonly ColumnSpec[], known: ReadonlySet<string>): string | undefined {
  for (const key in record) {
    if (!known.has(key)) return `unknown field '${key}' (expected ${columns.map((c) => c.name).join(', ')})`;
  }
  const missing: string[] = [];
  for (const c of columns) {
    const v = record[c.name];
    if (v === undefined || v === null) {
      if (c.required) missing.push(c.name);
      else if (v === null) delete record[c.name];
    }
  }
  if (missing.length > 0) return `missing field${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}`;
  return undefined;
}

async function* readCsv(lines: AsyncIterable<NumberedLine>, columns: readonly ColumnSpec[]): AsyncGenerator<RecordOrProblem> {
  let header: ColumnSpec[] | undefined;
  let headerBad = false;
  let pending: { line: number; text: string } | undefined;
  for await (const { line, text } of lines) {
    let start = line;
    let recordText = text;
    if (pending) {
      start = pending.line;
      recordText = `${pending.text}\n${text}`;
      pending = undefined;
    } else if (text.length === 0 || BLANK.test(text)) {
      continue;
    }
    const parsed = parseCsvRecord(recordText);
    if (parsed === INCOMPLETE) {
      pending = { line: start, text: recordText };
      continue;
    }
    if (headerBad) continue;
    if (typeof parsed === 'string') {
      yield { line: start, problem: parsed };
      if (!header) headerBad = true;
      continue;
    }
    if (!header) {
      const result = readHeader(parsed, columns);
      if (typeof result === 'string') {
        headerBad = true;
        yield { line: start, problem: result };
      } else {
        header = result;
      }
      continue;
    }
    if (parsed.length !== header.length) {
      yield { line: start, problem: `${parsed.length} field${parsed.length === 1 ? '' : 's'}, but the header has ${header.length}` };
      continue;
    }
    const record: ImportRecord = {};
    const missing: string[] = [];
    for (let i = 0; i < header.length; i++) {
      const column = header[i]!;
      const cell = parsed[i]!;
      if (cell === '') {
        if (column.required) missing.push(column.name);
        continue;
      }
      record[column.name] = column.list ? cell.split('|') : cell;
    }
    if (missing.length > 0) yield { line: start, problem: `missing field${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}` };
    else yield { line: start, record };
  }
  if (pending && !headerBad) yield { line: pending.line, problem: 'unterminated quoted field (a " opens a field that never closes)' };
}

function readHeader(names: string[], columns: readonly ColumnSpec[]): ColumnSpec[] | string {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const seen = new Set<string>();
  const header: ColumnSpec[] = [];
  for (const raw of names) {
    const name = raw.trim();
    const column = byName.get(name);
    if (!column) return `unknown column '${name}' in the header (expected ${columns.map((c) => c.name).join(', ')})`;
    if (seen.has(name)) return `column '${name}' appears twice in the header`;
    seen.add(name);
    header.push(column);
  }
  const missing = columns.filter((c) => c.required && !seen.has(c.name)).map((c) => `'${c.name}'`);
  if (missing.length > 0) return `the header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  return header;
}

const INCOMPLETE = Symbol('incomplete');

/**
 * One CSV record (RFC 4180): fields separated by commas, optionally enclosed in double quotes,
 * with `""` for a quote inside a quoted field. INCOMPLETE when a quoted field runs past the text
 * (it continues on the next line); a string when the record is malformed.
 */
export function parseCsvRecord(text: string): string[] | string | typeof INCOMPLETE {
  if (text.indexOf('"') === -1) return text.split(',');
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) return INCOMPLETE;
        value += text.slice(from, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === n) return fields;
      if (text.charCodeAt(i) !== 44 /* , */) return `unexpected character after a closing quote in field ${fields.length}`;
      i++;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma === -1 ? n : comma;
      const value = text.slice(i, end);
      if (value.indexOf('"') !== -1) return `a quote inside unquoted field ${fields.length + 1} (enclose the field in quotes and double the quote)`;
      fields.push(value);
      if (comma === -1) return fields;
      i = comma + 1;
    }
  }
}
