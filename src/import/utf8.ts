/**
 * Telling invalid UTF-8 from a real U+FFFD in an import file. The line reader decodes leniently
 * (fast); only a chunk whose text holds U+FFFD is checked byte by byte, so a bad byte (or an
 * encoded lone surrogate, ED A0 80) is rejected with its line instead of stored as U+FFFD.
 */

/** Bytes a sequence starting with `lead` needs, or 0 when `lead` cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The range the second byte of a sequence must be in (overlongs and surrogates excluded). */
function secondRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

/** The index of the first byte of `bytes` that is not valid UTF-8; a sequence cut off at the end is not counted. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    const n = sequenceLength(lead);
    if (n === 0) return i;
    if (n === 1) {
      i++;
      continue;
    }
    const [lo, hi] = secondRange(lead);
    for (let k = 1; k < n; k++) {
      if (i + k >= bytes.length) return -1;
      const b = bytes[i + k]!;
      if (k === 1 ? b < lo || b > hi : b < 0x80 || b > 0xbf) return i;
    }
    i += n;
  }
  return -1;
}

/** The bytes at the end of `chunk` that start a sequence the next chunk completes. */
export function incompleteTail(chunk: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, chunk.length); back++) {
    const b = chunk[chunk.length - back]!;
    if (b >= 0x80 && b <= 0xbf) continue;
    const n = sequenceLength(b);
    return n > back ? chunk.subarray(chunk.length - back) : chunk.subarray(chunk.length);
  }
  return chunk.subarray(chunk.length);
}
