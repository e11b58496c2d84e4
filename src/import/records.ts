/**
 * Records of an import file: NDJSON (one JSON object per line) or CSV (RFC 4180, a header row
 * naming the columns). Both give plain objects keyed by column name, with the line number each
 * record starts on, or a problem with that line. Blank lines are skipped. A reader is fed
 * lines one at a time and calls back synchronously, so it streams without a promise per line.
 */
export type InputFormat = 'ndjson' | 'csv';

export interface ColumnSpec {
  name: string;
  required: boolean;
  /** A list of strings: a JSON array, or in CSV one cell with the items separated by `|`. */
  list?: boolean;
}

export type ImportRecord = Record<string, unknown>;

export interface RecordSink {
  record(line: number, record: ImportRecord): void;
  problem(line: number, message: string): void;
}

export interface RecordReader {
  /** One physical line (without its line break). */
  feed(line: number, text: string): void;
  /** The end of the file. */
  end(): void;
}

export function createRecordReader(format: InputFormat, columns: readonly ColumnSpec[], sink: RecordSink): RecordReader {
  return format === 'csv' ? new CsvReader(columns, sink) : new NdjsonReader(columns, sink);
}

const BLANK = /^\s*$/;

class NdjsonReader implements RecordReader {
  private readonly known: ReadonlySet<string>;
  constructor(
    private readonly columns: readonly ColumnSpec[],
    private readonly sink: RecordSink,
  ) {
    this.known = new Set(columns.map((c) => c.name));
  }

  feed(line: number, text: string): void {
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && BLANK.test(text))) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.sink.problem(line, `invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.sink.problem(line, `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
      return;
    }
    const record = value as ImportRecord;
    const problem = checkFields(record, this.columns, this.known);
    if (problem === undefined) this.sink.record(line, record);
    else this.sink.problem(line, problem);
  }

  end(): void {}
}

/** Unknown fields, and required fields that are missing or null. Optional nulls count as absent. */
function checkFields(record: ImportRecord, columns: readonly ColumnSpec[], known: ReadonlySet<string>): string | undefined {
  for (const key in record) {
    if (!known.has(key)) return `unknown field '${key}' (expected ${columns.map((c) => c.name).join(', ')})`;
  }
  let missing: string[] | undefined;
  for (const c of columns) {
    const v = record[c.name];
    if (v === undefined || v === null) {
      if (c.required) (missing ??= []).push(c.name);
      else if (v === null) delete record[c.name];
    }
  }
  return missing ? missingMessage(missing) : undefined;
}

function missingMessage(missing: string[]): string {
  return `missing field${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}`;
}

class CsvReader implements RecordReader {
  private header: ColumnSpec[] | undefined;
  private headerBad = false;
  private pending: { line: number; text: string } | undefined;
  /** After a runaway quoted field: nothing more of the file can be read reliably. */
  private skipping = false;

  constructor(
    private readonly columns: readonly ColumnSpec[],
    private readonly sink: RecordSink,
  ) {}

  feed(line: number, text: string): void {
    if (this.skipping) return;
    let start = line;
    let recordText = text;
    if (this.pending) {
      start = this.pending.line;
      recordText = `${this.pending.text}\n${text}`;
      this.pending = undefined;
    } else if (text.length === 0 || (text.charCodeAt(0) <= 32 && BLANK.test(text))) {
      return;
    }
    const parsed = parseCsvRecord(recordText);
    if (parsed === INCOMPLETE) {
      if (recordText.length > MAX_RECORD_CHARS) {
        this.sink.problem(start, 'unterminated quoted field (a " opens a field that runs past 1 MB)');
        this.headerBad ||= !this.header;
        this.skipping = true;
        return;
      }
      this.pending = { line: start, text: recordText };
      return;
    }
    if (this.headerBad) return;
    if (typeof parsed === 'string') {
      this.sink.problem(start, parsed);
      if (!this.header) this.headerBad = true;
      return;
    }
    if (!this.header) {
      const result = readHeader(parsed, this.columns);
      if (typeof result === 'string') {
        this.headerBad = true;
        this.sink.problem(start, result);
      } else {
        this.header = result;
      }
      return;
    }
    const header = this.header;
    if (parsed.length !== header.length) {
      this.sink.problem(start, `${parsed.length} field${parsed.length === 1 ? '' : 's'}, but the header has ${header.length}`);
      return;
    }
    const record: ImportRecord = {};
    let missing: string[] | undefined;
    for (let i = 0; i < header.length; i++) {
      const column = header[i]!;
      const cell = parsed[i]!;
      if (cell === '') {
        if (column.required) (missing ??= []).push(column.name);
        continue;
      }
      record[column.name] = column.list ? cell.split('|') : cell;
    }
    if (missing) this.sink.problem(start, missingMessage(missing));
    else this.sink.record(start, record);
  }

  end(): void {
    if (this.pending && !this.headerBad) this.sink.problem(this.pending.line, 'unterminated quoted field (a " opens a field that never closes)');
    this.pending = undefined;
  }
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
const MAX_RECORD_CHARS = 1 << 20;

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
