/** The bounded reader, the nesting scan and the UTF-8 check, in-process (the CLI cases are in test/hostile). */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileBounded } from '../../src/document/readBounded.js';
import { firstTooDeep } from '../../src/document/yamlDepth.js';
import { readLineBatches } from '../../src/import/lines.js';
import { firstInvalidUtf8 } from '../../src/import/utf8.js';
import { parseRepoConfig } from '../../src/config/repoConfig.js';

const dir = mkdtempSync(join(tmpdir(), 'tierform-reading-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readFileBounded', () => {
  it('reads exactly the limit and refuses one byte more', async () => {
    writeFileSync(join(dir, 'ten'), '0123456789');
    const at = await readFileBounded(join(dir, 'ten'), { limit: 10 });
    expect(at.ok && at.bytes.toString()).toBe('0123456789');
    const over = await readFileBounded(join(dir, 'ten'), { limit: 9 });
    expect(over).toMatchObject({ ok: false, code: 'yaml.too-large', size: 10 });
  });

  it('reads a file whose size says 0 (as /proc files do) up to the limit + 1 byte only', async () => {
    const small = await readFileBounded('/proc/self/status', { limit: 1 << 20 });
    expect(small.ok && small.bytes.toString()).toContain('Name:');
    const over = await readFileBounded('/proc/self/status', { limit: 8 });
    expect(over).toMatchObject({ ok: false, code: 'yaml.too-large', size: 9 });
  });

  it('refuses devices and directories before reading, and links when walking', async () => {
    expect(await readFileBounded('/dev/zero', { limit: 10 })).toMatchObject({ ok: false, code: 'file.not-regular' });
    expect(await readFileBounded(dir, { limit: 10 })).toMatchObject({ ok: false, code: 'file.not-regular' });
    symlinkSync(join(dir, 'ten'), join(dir, 'link'));
    expect(await readFileBounded(join(dir, 'link'), { limit: 10, noFollow: true })).toMatchObject({ ok: false, code: 'file.symlink' });
    expect((await readFileBounded(join(dir, 'link'), { limit: 10, root: dir })).ok).toBe(true);
  });

  it('refuses a link inside the root that leads out of it', async () => {
    mkdirSync(join(dir, 'repo'));
    symlinkSync(join(dir, 'ten'), join(dir, 'repo', 'out'));
    expect(await readFileBounded(join(dir, 'repo', 'out'), { limit: 10, root: join(dir, 'repo') })).toMatchObject({ ok: false, code: 'file.outside-root' });
    // Named outside the root, a path is read as named.
    expect((await readFileBounded(join(dir, 'ten'), { limit: 10, root: join(dir, 'repo') })).ok).toBe(true);
  });
});

describe('firstTooDeep', () => {
  it('counts flow brackets, block indentation and dashes on one line', () => {
    expect(firstTooDeep(`a: ${'['.repeat(70)}`)).toBe(3 + 63);
    expect(firstTooDeep(`${'- '.repeat(70)}x`)).toBe(2 * 63); // the line itself is the first level
    expect(firstTooDeep('a:\n  b:\n    c: [1, {d: 2}]\n', 3)).toBe(15);
  });
  it('ignores brackets in quoted scalars, comments and block scalars', () => {
    const text = `a: "${'['.repeat(100)}"\nb: '${'{'.repeat(100)}'\nc: 1 # ${'['.repeat(100)}\nd: |\n  ${'['.repeat(100)}\n  ${'{'.repeat(100)}\ne: it's [fine]\n`;
    expect(firstTooDeep(text)).toBeUndefined();
  });
});

describe('UTF-8 in import files', () => {
  const collect = async (chunks: Buffer[]) => {
    const batches = [];
    for await (const b of readLineBatches((async function* () { yield* chunks; })())) batches.push(b);
    return batches;
  };

  it('finds the first invalid byte, not a sequence cut at the end', () => {
    expect(firstInvalidUtf8(Buffer.from('héllo'))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe9, 0x62]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toBe(-1);
  });

  it('takes a real U+FFFD split across chunks as text, and names the line of a bad byte', async () => {
    const fffd = Buffer.from('a\n\uFFFD\n');
    const split = await collect([fffd.subarray(0, 3), fffd.subarray(3)]);
    expect(split.some((b) => b.notUtf8 !== undefined)).toBe(false);
    expect(split.flatMap((b) => b.lines)).toEqual(['a', '\uFFFD']);
    const bad = await collect([Buffer.from('one\ntwo\n'), Buffer.concat([Buffer.from('three\nfo'), Buffer.from([0xff]), Buffer.from('ur\n')])]);
    expect(bad.map((b) => b.notUtf8).filter((n) => n !== undefined)).toEqual([4]);
    const cut = await collect([Buffer.from([0x61, 0x0a, 0x62, 0xe2, 0x82])]);
    expect(cut.map((b) => b.notUtf8).filter((n) => n !== undefined)).toEqual([2]);
  });
});

describe('tierform.yaml paths', () => {
  it('reads programs and catalog, and refuses other values', () => {
    expect(parseRepoConfig('tierform.yaml', Buffer.from('programs: merchants\ncatalog: platform/catalog.yaml\n'))).toMatchObject({ programs: 'merchants', catalog: 'platform/catalog.yaml' });
    expect(() => parseRepoConfig('tierform.yaml', Buffer.from('programs: [a]\n'))).toThrow(/programs must be a path/);
    expect(() => parseRepoConfig('tierform.yaml', Buffer.from('catalogue: x\n'))).toThrow(/did you mean catalog/);
  });
});
