/**
 * The canonical layout of a tierform YAML file, comments kept: keys in the order the schema
 * lists them (unknown keys after, in their own order), two-space indentation, no line folding.
 * Scalars keep their quoting and flow collections stay flow: only order and layout change.
 * Pure: the schema is an argument.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';

type Schema = Record<string, unknown>;

const isObj = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `$ref: '#/$defs/x'` resolved against the root schema. */
function deref(root: Schema, s: unknown): Schema | undefined {
  if (!isObj(s)) return undefined;
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#/')) {
    let at: unknown = root;
    for (const part of s.$ref.slice(2).split('/')) at = isObj(at) ? at[part] : undefined;
    return deref(root, at);
  }
  return s;
}

/** Every schema that can describe the value here: the node and its conditional or union branches. */
function branches(root: Schema, s: Schema | undefined): Schema[] {
  if (!s) return [];
  const out: Schema[] = [s];
  for (const key of ['then', 'else']) {
    const b = deref(root, s[key]);
    if (b) out.push(...branches(root, b));
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = s[key];
    if (Array.isArray(list)) for (const item of list) out.push(...branches(root, deref(root, item)));
  }
  return out;
}

function propertiesOf(root: Schema, s: Schema | undefined): Map<string, Schema | undefined> {
  const props = new Map<string, Schema | undefined>();
  for (const b of branches(root, s)) {
    if (!isObj(b.properties)) continue;
    for (const [k, v] of Object.entries(b.properties)) if (!props.has(k)) props.set(k, deref(root, v));
  }
  return props;
}

function itemsOf(root: Schema, s: Schema | undefined): Schema | undefined {
  for (const b of branches(root, s)) if (b.items) return deref(root, b.items);
  return undefined;
}

/** Reorders every mapping under `node` by the schema, recursively. */
export function orderBySchema(root: Schema, node: unknown, s: Schema | undefined): void {
  if (isMap(node)) {
    // A comment above the first key belongs to that key: it moves with it.
    const first = node.items[0]?.key;
    if (node.commentBefore && isScalar(first)) {
      first.commentBefore = [node.commentBefore, first.commentBefore].filter(Boolean).join('\n');
      node.commentBefore = null;
    }
    const props = propertiesOf(root, s);
    const names = [...props.keys()];
    const rank = (key: unknown): number => {
      const i = names.indexOf(String(isScalar(key) ? key.value : key));
      return i === -1 ? names.length : i;
    };
    // A stable sort: unknown keys keep their relative order, after the known ones.
    node.items = node.items.map((pair, i) => ({ pair, i })).sort((a, b) => rank(a.pair.key) - rank(b.pair.key) || a.i - b.i).map((x) => x.pair);
    for (const pair of node.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      orderBySchema(root, pair.value, props.get(key));
    }
  } else if (isSeq(node)) {
    const item = itemsOf(root, s);
    for (const child of node.items) orderBySchema(root, child, item);
  }
}

export const TO_STRING = { indent: 2, indentSeq: true, lineWidth: 0, minContentWidth: 0 } as const;

/** The schema a document follows, by its `kind`. */
export function schemaForKind(doc: Document, schemas: Readonly<Record<string, Schema>>): Schema | undefined {
  const kind = doc.get('kind');
  return typeof kind === 'string' ? schemas[kind] : undefined;
}

/** Canonical text of a parsed document; the caller has checked it has no errors. */
export function canonicalText(doc: Document, schemas: Readonly<Record<string, Schema>>): string {
  const schema = schemaForKind(doc, schemas);
  const contents = doc.contents as Node;
  const before = isMap(contents) ? contents.items[0] : undefined;
  if (schema) orderBySchema(schema, contents, schema);
  // The comments at the top of the file (the modeline) stay at the top, whatever key comes first.
  const after = isMap(contents) ? contents.items[0] : undefined;
  if (before && after && before !== after && isScalar(before.key) && isScalar(after.key) && before.key.commentBefore) {
    after.key.commentBefore = [before.key.commentBefore, after.key.commentBefore].filter(Boolean).join('\n');
    before.key.commentBefore = null;
  }
  return doc.toString(TO_STRING);
}

export function canonicalize(text: string, schemas: Readonly<Record<string, Schema>>): { ok: true; text: string } | { ok: false; line: number; column: number; message: string } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const [line, column] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [1, 1];
    return { ok: false, line, column, message: error.message.split('\n')[0]! };
  }
  // The printer places some comments differently from where it read them (a comment after a
  // key whose value is a block, the first key of a list item): print until nothing moves.
  let out = canonicalText(doc, schemas);
  for (let pass = 0; pass < 3; pass++) {
    const again = canonicalText(parseDocument(out, { uniqueKeys: true }), schemas);
    if (again === out) break;
    out = again;
  }
  return { ok: true, text: out };
}
