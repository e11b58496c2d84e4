/**
 * Reading one file into a YAML document with source positions, under size and alias limits.
 * Never executes anything: no custom tags, no merge keys beyond YAML 1.2 core.
 */
import { LineCounter, isAlias, isCollection, isPair, parseAllDocuments, visit, type Alias, type Document } from 'yaml';
import type { Finding } from './diagnostics.js';
import { MAX_DEPTH, firstTooDeep } from './yamlDepth.js';
import { MAX_FILE_BYTES, expandedFits } from './programText.js';

export { MAX_FILE_BYTES } from './programText.js';
export const MAX_ALIASES = 100;

export interface SourceFile {
  path: string;
  text: string;
  lineCounter: LineCounter;
}

/** A finding that already knows its place (reading errors come with offsets, not pointers). */
export interface PlacedFinding extends Finding {
  line: number;
  column: number;
}

export type ReadResult =
  | { ok: true; source: SourceFile; doc: Document.Parsed; value: unknown }
  | { ok: false; source: SourceFile | undefined; findings: PlacedFinding[] };

const at1 = (f: Finding): PlacedFinding => ({ ...f, line: 1, column: 1 });

export function readYaml(path: string, bytes: Buffer): ReadResult {
  if (bytes.length > MAX_FILE_BYTES) {
    return fail(undefined, [at1({ code: 'yaml.too-large', pointer: '', message: `file is ${formatSize(bytes.length)}; program files may be at most 1 MiB` })]);
  }
  const decoded = bytes.includes(0) ? undefined : decodeUtf8(bytes);
  if (decoded === undefined) {
    return fail(undefined, [at1({ code: 'document.not-text', pointer: '', message: 'file is not UTF-8 text (binary content)' })]);
  }
  const text = decoded.replace(/^\uFEFF/, '');
  const lineCounter = new LineCounter();
  const source: SourceFile = { path, text, lineCounter };
  const tooDeep = firstTooDeep(text);
  if (tooDeep !== undefined) {
    lineCounter.addNewLine(0);
    for (let i = text.indexOf('\n'); i >= 0 && i < tooDeep; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
    return fail(source, [placeAt(lineCounter, tooDeep, 'yaml.too-deep', `the document nests deeper than ${MAX_DEPTH} levels here; a program needs about ten`)]);
  }
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const list = Array.isArray(docs) ? docs : [docs];

  const findings: PlacedFinding[] = [];
  // The parser often reports one mistake several times on the same line; the first says it best.
  const errorLines = new Set<number>();
  for (const doc of list) {
    for (const err of doc.errors) {
      const finding = placeAt(lineCounter, err.pos[0], yamlErrorCode(err.code), cleanYamlMessage(err.message));
      if (errorLines.has(finding.line)) continue;
      errorLines.add(finding.line);
      findings.push(finding);
    }
  }
  if (findings.length > 0) return fail(source, findings);

  const [first, second] = list;
  if (second) {
    const offset = second.range[0];
    return fail(source, [placeAt(lineCounter, offset, 'document.multiple', 'a file holds exactly one document; split the documents after this `---` into their own files')]);
  }
  if (!first || first.contents === null) {
    return fail(source, [at1({ code: 'document.empty', pointer: '', message: 'file holds no document; expected apiVersion, kind, metadata and spec' })]);
  }

  let aliases = 0;
  let firstExcessAlias = -1;
  let undefinedAlias: { offset: number; name: string } | undefined;
  // An alias is written `*name`: text without a `*` has none and the walk can be skipped.
  if (text.includes('*')) {
    for (const node of aliasesOf(first.contents)) {
      aliases += 1;
      if (aliases > MAX_ALIASES && firstExcessAlias < 0) firstExcessAlias = node.range?.[0] ?? 0;
      if (undefinedAlias === undefined && node.resolve(first) === undefined) undefinedAlias = { offset: node.range?.[0] ?? 0, name: node.source };
    }
  }
  if (undefinedAlias !== undefined) {
    return fail(source, [placeAt(lineCounter, undefinedAlias.offset, 'yaml.alias-undefined', `alias *${undefinedAlias.name} names no anchor defined before it (&${undefinedAlias.name})`)]);
  }
  if (firstExcessAlias >= 0) {
    return fail(source, [placeAt(lineCounter, firstExcessAlias, 'yaml.aliases', `more than ${MAX_ALIASES} aliases in one document`)]);
  }
  let value: unknown;
  try {
    value = first.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    if (err instanceof ReferenceError) {
      const offset = firstOverExpandedAlias(first) ?? first.contents.range[0];
      return fail(source, [placeAt(lineCounter, offset, 'yaml.aliases', `alias expansion is too large (possible alias bomb); at most ${MAX_ALIASES} aliased nodes may be expanded`)]);
    }
    throw err;
  }
  // Aliases can expand a small file past what a file may be; `export` must be able to write the
  // expanded document back within the limit. Only a file with aliases or near the limit can.
  if ((aliases > 0 || bytes.length > MAX_FILE_BYTES / 2) && !expandedFits(value)) {
    return fail(source, [at1({ code: 'yaml.too-large', pointer: '', message: `with its aliases expanded the document is over ${formatSize(MAX_FILE_BYTES)}, more than a program file may be (tierform stores and exports it expanded); use fewer aliases` })]);
  }
  // A lone surrogate can only come from an escape (\ud800); stored, it would turn into U+FFFD.
  if (/\\[uU]/.test(text)) {
    const bad = firstLoneSurrogate(first);
    if (bad !== undefined) return fail(source, [placeAt(lineCounter, bad, 'yaml.lone-surrogate', 'this string holds a lone surrogate (an escape such as \\ud800 without its pair), which is not text; write the character itself or its pair')]);
  }
  return { ok: true, source, doc: first, value };
}

/**
 * The aliases of a document in document order (the order `visit` meets them: a collection's
 * items in turn, a pair's key before its value). A plain walk: `visit` builds a frozen path for
 * every node, and a cron expression's `*` sends most programs down this path.
 */
function aliasesOf(root: unknown): Alias[] {
  const found: Alias[] = [];
  const walk = (node: unknown): void => {
    if (isAlias(node)) found.push(node);
    else if (isPair(node)) {
      walk(node.key);
      walk(node.value);
    } else if (isCollection(node)) for (const item of node.items) walk(item);
  };
  walk(root);
  return found;
}

const LONE_SURROGATE = /\p{Cs}/u;

function firstLoneSurrogate(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && LONE_SURROGATE.test(node.value)) {
        found = node.range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function fail(source: SourceFile | undefined, findings: PlacedFinding[]): ReadResult {
  return { ok: false, source, findings };
}

function placeAt(lc: LineCounter, offset: number, code: Finding['code'], message: string): PlacedFinding {
  const { line, col } = lc.linePos(offset);
  return { code, pointer: '', message, line, column: col };
}

function yamlErrorCode(code: string): Finding['code'] {
  if (code === 'DUPLICATE_KEY') return 'yaml.duplicate-key';
  // The parser's own guard when it runs out of stack: nesting the depth scan did not see.
  if (code === 'RESOURCE_EXHAUSTION') return 'yaml.too-deep';
  return 'yaml.syntax';
}

/** The yaml parser's messages end with "at line L, column C" and a source excerpt; we place them ourselves. */
function cleanYamlMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '').replace(/\s+$/, '');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function formatSize(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

/**
 * Where an alias bomb goes off: walking in document order, the first alias at which the number
 * of expanded aliases passes the limit. Counting only; nothing is expanded.
 */
function firstOverExpandedAlias(doc: Document.Parsed): number | undefined {
  const memo = new Map<unknown, number>();
  const aliasesBelow = (node: unknown, depth: number): number => {
    if (depth > 64) return MAX_ALIASES + 1;
    if (memo.has(node)) return memo.get(node)!;
    let n = 0;
    if (isAlias(node)) n = 1 + aliasesBelow(node.resolve(doc), depth + 1);
    else if (isPair(node)) n = aliasesBelow(node.key, depth + 1) + aliasesBelow(node.value, depth + 1);
    else if (isCollection(node)) for (const item of node.items) n += aliasesBelow(item, depth + 1);
    n = Math.min(n, 1e9);
    memo.set(node, n);
    return n;
  };
  let total = 0;
  let found: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      total += 1 + aliasesBelow(node.resolve(doc), 0);
      if (total > MAX_ALIASES) {
        found = node.range?.[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}
