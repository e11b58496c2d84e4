/**
 * Maps a JSON pointer back to the YAML node it came from, so a diagnostic points at the
 * offending key or value in the source rather than at the start of the document.
 */
import { isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import { segmentsOf } from './diagnostics.js';
import type { SourceFile } from './readYaml.js';

export function locate(source: SourceFile, doc: Document.Parsed, pointer: string, at: 'key' | 'value' = 'value'): { line: number; column: number } {
  const offset = offsetOf(doc, pointer, at);
  const { line, col } = source.lineCounter.linePos(offset);
  return { line, column: col };
}

function offsetOf(doc: Document.Parsed, pointer: string, at: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let pair: Pair | undefined;
  for (const segment of segmentsOf(pointer)) {
    if (isMap(node)) {
      const found = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
      // A missing property (schema.required) is placed at the map that lacks it, at its key.
      if (!found) return pair ? startOf(pair.key) : startOf(node);
      pair = found;
      node = found.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) return startOf(node);
      pair = undefined;
      node = item;
    } else {
      break;
    }
  }
  if (at === 'key' && pair) return startOf(pair.key);
  // A key with no value (`spec:`) has a null value node without a range: use the key.
  if (node && typeof node === 'object' && 'range' in node && (node as Node).range) return startOf(node);
  return pair ? startOf(pair.key) : 0;
}

function startOf(node: unknown): number {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as Node).range;
    if (range) return range[0];
  }
  return 0;
}
