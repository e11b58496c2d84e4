/**
 * The file form of `members set-tier --file` (SPEC v1.1 §3.10): CSV with a header row or NDJSON,
 * one member a line, columns member, tier, reason, until (reason defaults to --reason, until to
 * none). Every problem is collected with its line number; any problem fails the whole file.
 */
import { createRecordReader, type ColumnSpec, type InputFormat } from '../import/records.js';
import type { TierSetting } from './setTier.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'member', required: true },
  { name: 'tier', required: true },
  { name: 'reason', required: false },
  { name: 'until', required: false },
];

export interface ParsedSettings {
  settings: TierSetting[];
  problems: { line: number; message: string }[];
}

export function parseSettingsFile(text: string, format: InputFormat, defaultReason: string | null): ParsedSettings {
  const out: ParsedSettings = { settings: [], problems: [] };
  const reader = createRecordReader(format, COLUMNS, {
    record(line, record) {
      const field = (name: string): string | null => {
        const v = record[name];
        if (v === undefined || v === null || v === '') return null;
        if (typeof v !== 'string') throw new FieldProblem(`${name} must be a string`);
        return v;
      };
      try {
        const member = field('member');
        const tier = field('tier');
        if (member === null || tier === null) throw new FieldProblem(member === null ? 'member is empty' : 'tier is empty');
        const reason = field('reason') ?? defaultReason;
        if (reason === null) throw new FieldProblem('reason is empty and no --reason was given');
        out.settings.push({ member, tier, reason, until: field('until'), line });
      } catch (err) {
        if (!(err instanceof FieldProblem)) throw err;
        out.problems.push({ line, message: err.message });
      }
    },
    problem(line, message) {
      out.problems.push({ line, message });
    },
  });
  const lines = text.split(/\r?\n/);
  lines.forEach((l, i) => reader.feed(i + 1, l));
  reader.end();
  if (out.problems.length === 0 && out.settings.length === 0) out.problems.push({ line: 1, message: 'the file lists no member' });
  return out;
}

class FieldProblem extends Error {}
