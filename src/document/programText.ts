/**
 * A document as the text of a file that `validate` reads back: block YAML, or — when aliases in
 * the source made the expanded document too large for that — one line of JSON, which is YAML
 * too and the most compact faithful form. `readYaml` refuses a document neither form fits, so
 * what `export` writes is always within MAX_FILE_BYTES.
 */
import { stringify } from 'yaml';

/** The largest a file may be (SPEC §2: 1 MiB). */
export const MAX_FILE_BYTES = 1024 * 1024;

/** `head` (a modeline, say) and the document, in the first form that fits; the block form otherwise. */
export function documentText(document: unknown, head = ''): { text: string; fits: boolean } {
  const block = `${head}${stringify(document, { lineWidth: 0 })}`;
  if (Buffer.byteLength(block) <= MAX_FILE_BYTES) return { text: block, fits: true };
  const flow = `${head}${JSON.stringify(document)}\n`;
  if (Buffer.byteLength(flow) <= MAX_FILE_BYTES) return { text: flow, fits: true };
  return { text: block, fits: false };
}

/** Room left for a modeline or comment an exporter adds in front. */
const HEAD_ROOM = 256;

/** Whether the expanded document can be written back as a file validate accepts. */
export function expandedFits(document: unknown): boolean {
  const json = Buffer.byteLength(JSON.stringify(document));
  if (json + HEAD_ROOM <= MAX_FILE_BYTES) return true;
  return Buffer.byteLength(stringify(document, { lineWidth: 0 })) + HEAD_ROOM <= MAX_FILE_BYTES;
}
