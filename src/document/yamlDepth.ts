/**
 * How deep a YAML text nests, found by one pass over its lines before the parser sees it. The
 * parser composes recursively and runs out of stack at some ~790 levels; a program needs about
 * ten, so anything past MAX_DEPTH is refused as `yaml.too-deep` at the place it goes too deep.
 * The scan is deliberately simple: block levels by indentation (and `- ` entries on one line),
 * flow levels by brackets outside quoted scalars, comments and block scalars. It may misjudge a
 * bracket in an odd plain scalar by a level or two, far from the limit.
 */
export const MAX_DEPTH = 64;

/** The offset where nesting first passes `max`, or undefined. */
export function firstTooDeep(text: string, max = MAX_DEPTH): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | undefined;
  let literalAbove: number | undefined;
  let offset = 0;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    let i = 0;
    while (line.charCodeAt(i) === 32) i++;
    const blank = i === line.length || line[i] === '#' || line[i] === '\r';
    if (literalAbove !== undefined) {
      if (blank || i > literalAbove) continue;
      literalAbove = undefined;
    }
    if (blank && quote === undefined) continue;
    if (flow === 0 && quote === undefined) {
      while (indents.length > 0 && indents[indents.length - 1]! >= i) indents.pop();
      indents.push(i);
      // `- - - x` nests a sequence per dash on one line.
      let j = i;
      while ((line[j] === '-' || line[j] === '?') && (line[j + 1] === ' ' || j + 1 === line.length)) {
        indents.push(j + 1);
        if (indents.length > max) return start + j;
        j += 2;
        while (line[j] === ' ') j++;
      }
      i = j;
      if (indents.length > max) return start + i;
    }
    let prev = ' ';
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (quote !== undefined) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = undefined;
      } else if ((c === '"' || c === "'") && /[\s[{,:]/.test(prev)) {
        quote = c;
      } else if (c === '#' && /\s/.test(prev)) {
        break;
      } else if (c === '[' || c === '{') {
        flow++;
        if (indents.length + flow > max) return start + i;
      } else if ((c === ']' || c === '}') && flow > 0) {
        flow--;
      }
      prev = c;
    }
    // The indicator test only on lines that have one (it was a third of the scan's time).
    if (quote === undefined && flow === 0 && (line.includes('|') || line.includes('>')) && /(?:^|[\s:-])[|>][-+0-9]*\s*(?:#.*)?$/.test(line)) literalAbove = indents[indents.length - 1] ?? 0;
  }
  return undefined;
}
