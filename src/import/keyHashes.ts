/**
 * The keys of an import file, seen as it streams: each key is kept as a 64-bit hash (two
 * 32-bit hashes) with the line it was first seen on, in an open-addressing table of typed arrays
 * (12 bytes a slot, at most half full: about 24 MB for a file of a million rows). A hash seen
 * before means the key is probably a duplicate; the pipeline holds such a row back and settles
 * it exactly against the rows it did write (a real duplicate, or two keys of the same hash).
 */
export class KeyHashes {
  private mask: number;
  private a: Int32Array;
  private b: Int32Array;
  /** The first line of the slot's hash; 0 is an empty slot (lines are numbered from 1). */
  private lines: Int32Array;
  private size = 0;

  constructor(capacity = 1 << 16) {
    this.mask = capacity - 1;
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
    this.lines = new Int32Array(capacity);
  }

  /**
   * Records the key `text[0, end)` first seen on `line`. Returns 0 for a hash not seen before, else
   * the line of the first key with the same hash (which is then left as it was).
   */
  add(text: string, end: number, line: number): number {
    let h1 = 0x811c9dc5 | 0;
    let h2 = 0x9747b28c | 0;
    for (let i = 0; i < end; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    h1 = fmix(h1 ^ end);
    h2 = fmix(h2 ^ Math.imul(end, 0x27d4eb2d));
    const { a, b, lines, mask } = this;
    let slot = h1 & mask;
    for (;;) {
      const first = lines[slot]!;
      if (first === 0) break;
      if (a[slot] === h1 && b[slot] === h2) return first;
      slot = (slot + 1) & mask;
    }
    a[slot] = h1;
    b[slot] = h2;
    lines[slot] = line;
    if (++this.size * 2 > mask) this.grow();
    return 0;
  }

  private grow(): void {
    const { a, b, lines } = this;
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
    this.lines = new Int32Array(capacity);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === 0) continue;
      let slot = a[i]! & this.mask;
      while (this.lines[slot] !== 0) slot = (slot + 1) & this.mask;
      this.a[slot] = a[i]!;
      this.b[slot] = b[i]!;
      this.lines[slot] = lines[i]!;
    }
  }
}

/** MurmurHash3's finalizer: every input bit reaches every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
