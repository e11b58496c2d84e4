/**
 * Writing a value into an existing YAML file without losing what people wrote around it: keys
 * that stay keep their comments and their quoting, list items are matched by `id` where they
 * have one (tiers, plans) and by position otherwise, keys that went away are removed and new ones
 * added. Then the canonical layout. Pure.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { canonicalize, TO_STRING } from './canonical.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObj = (v: unknown): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);
const keyOf = (pair: Pair): string => String(isScalar(pair.key) ? pair.key.value : pair.key);

function idOf(node: unknown): unknown {
  return isMap(node) ? node.get('id') : undefined;
}

function update(doc: Document, node: unknown, value: Json): Node {
  if (isMap(node) && isObj(value)) {
    node.items = node.items.filter((pair) => Object.prototype.hasOwnProperty.call(value, keyOf(pair)));
    for (const [key, v] of Object.entries(value)) {
      const pair = node.items.find((p) => keyOf(p) === key);
      if (pair) pair.value = update(doc, pair.value, v);
      else node.items.push(doc.createPair(key, v) as Pair);
    }
    return node;
  }
  if (isSeq(node) && Array.isArray(value)) {
    const byId = value.every((v) => isObj(v) && typeof v.id === 'string');
    const old = node.items;
    node.items = value.map((v, i) => {
      const match = byId ? old.find((n) => idOf(n) === (v as { id: string }).id) : old[i];
      return match === undefined ? doc.createNode(v) : update(doc, match, v);
    });
    return node;
  }
  if (isScalar(node) && (value === null || typeof value !== 'object')) {
    if (node.value !== value) {
      // A changed value keeps its quoting only while it stays a string.
      if (typeof value !== 'string') node.type = undefined;
      node.value = value;
    }
    return node;
  }
  return doc.createNode(value) as Node;
}

export function mergeInto(existing: string, value: Json, schemas: Readonly<Record<string, Record<string, unknown>>>): { ok: true; text: string } | { ok: false; message: string } {
  const doc = parseDocument(existing, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) return { ok: false, message: doc.errors[0]!.message.split('\n')[0]! };
  doc.contents = update(doc, doc.contents, value) as typeof doc.contents;
  const out = canonicalize(doc.toString(TO_STRING), schemas);
  return out.ok ? out : { ok: false, message: out.message };
}
