/**
 * What each error code means, read from docs/troubleshooting.md — the one source, shipped with
 * the package — for reports that carry help per rule (SARIF, GitLab Code Quality). An entry is
 * `### \`code\``, a paragraph saying what it means, then `**Example:**` and `**Fix:**` lines.
 */
import { readFileSync } from 'node:fs';

export interface CodeHelp {
  code: string;
  /** The first sentence of the meaning: one line. */
  summary: string;
  /** The whole meaning paragraph, as plain text. */
  meaning: string;
  fix: string | null;
  /** The entry as written on the page (markdown), without its heading. */
  markdown: string;
  /** The heading's anchor on the rendered page. */
  anchor: string;
}

export const TROUBLESHOOTING_URL = 'https://github.com/tierform/tierform/blob/main/docs/troubleshooting.md';

/** GitHub's heading anchors: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
export function headingAnchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

/** Markdown emphasis and code marks removed, for the plain-text fields. */
function plain(markdown: string): string {
  return markdown.replace(/\*\*([^*]+)\*\*/g, '$1').replace(/`([^`]+)`/g, '$1').replace(/\[([^\]]+)\]\([^)]+\)/g, '$1');
}

function firstSentence(text: string): string {
  const m = /^(.+?[.!?])(\s|$)/.exec(text);
  return m ? m[1]! : text;
}

export function parseTroubleshooting(page: string): Map<string, CodeHelp> {
  const out = new Map<string, CodeHelp>();
  for (const section of page.split(/^### /m).slice(1)) {
    const heading = /^`([^`]+)`\s*\n/.exec(section);
    if (!heading) continue;
    const code = heading[1]!;
    // The entry ends at the next heading of any level.
    const body = section.slice(heading[0].length).split(/^#{1,6} /m)[0]!.trim();
    const lines = body.split('\n');
    const firstMarked = lines.findIndex((l) => l.startsWith('**'));
    const meaningLines = firstMarked === -1 ? lines : lines.slice(0, firstMarked);
    const meaning = plain(meaningLines.join(' ').replace(/\s+/g, ' ').trim());
    const fixAt = body.indexOf('**Fix:**');
    const fix = fixAt === -1 ? null : plain(body.slice(fixAt + '**Fix:**'.length).replace(/\s+/g, ' ').trim());
    // One line per paragraph on the page; markdown needs a blank line between them.
    const markdown = body.replace(/\n(?=\*\*)/g, '\n\n');
    out.set(code, { code, summary: firstSentence(meaning), meaning, fix, markdown, anchor: headingAnchor(code) });
  }
  return out;
}

let loaded: Map<string, CodeHelp> | undefined;

/** src/document/render and dist/document/render are both three levels below the package root. */
export function codeHelp(): Map<string, CodeHelp> {
  if (!loaded) {
    let page = '';
    try {
      page = readFileSync(new URL('../../../docs/troubleshooting.md', import.meta.url), 'utf8');
    } catch {
      // An install without the page still reports: rules then carry only their code.
    }
    loaded = parseTroubleshooting(page);
  }
  return loaded;
}
