/** One file through every layer: reading, apiVersion/kind, schema, meaning. */
import type { PlanCatalog } from '../generated/types.js';
import { validateMembershipProgram, validatePlanCatalog } from '../generated/validators.js';
import type { Diagnostic, Finding } from './diagnostics.js';
import { locate } from './locate.js';
import { readYaml, type ReadResult } from './readYaml.js';
import { schemaFindings } from './schemaErrors.js';
import { checkProgram, type PathBinding } from './rules/index.js';

export const API_VERSION = 'tierform.dev/v1';
export const KINDS = ['MembershipProgram', 'PlanCatalog'] as const;
export type Kind = (typeof KINDS)[number];

export interface CheckedDocument {
  path: string;
  kind: Kind | undefined;
  merchant: string | undefined;
  value: unknown;
  diagnostics: Diagnostic[];
  /** Adds a finding found later (cross-file rules), placed in this file's source. */
  place(finding: Finding): void;
}

export function checkDocument(path: string, bytes: Buffer | undefined, catalog: PlanCatalog, binding?: PathBinding): CheckedDocument {
  const diagnostics: Diagnostic[] = [];
  const result: CheckedDocument = { path, kind: undefined, merchant: undefined, value: undefined, diagnostics, place: () => {} };
  if (!bytes) {
    diagnostics.push({ code: 'file.unreadable', severity: 'error', message: 'file cannot be read', line: 1, column: 1, pointer: '' });
    return result;
  }
  const read = readYaml(path, bytes);
  if (!read.ok) {
    for (const f of read.findings) diagnostics.push({ code: f.code, severity: 'error', message: f.message, line: f.line, column: f.column, pointer: f.pointer });
    return result;
  }
  const place = (f: Finding) => diagnostics.push(placed(read, f));
  result.place = placeLater(path, bytes, diagnostics);
  result.value = read.value;

  const value = read.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'a list' : `a single value (${JSON.stringify(value)})`;
    place({ code: 'schema.type', pointer: '', message: `the document is ${what}; a program file is a mapping with apiVersion, kind, metadata and spec` });
    return result;
  }
  const doc = value as Record<string, unknown>;
  const apiVersion = doc.apiVersion;
  const kind = doc.kind;
  let header = true;
  if (apiVersion !== API_VERSION) {
    header = false;
    place(apiVersion === undefined
      ? { code: 'api.version', pointer: '', message: `missing apiVersion; add 'apiVersion: ${API_VERSION}'` }
      : { code: 'api.version', pointer: '/apiVersion', message: `unknown apiVersion ${JSON.stringify(apiVersion)}; this tierform reads '${API_VERSION}'` });
  }
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    header = false;
    place(kind === undefined
      ? { code: 'api.kind', pointer: '', message: `missing kind; use one of ${KINDS.join(', ')}` }
      : { code: 'api.kind', pointer: '/kind', message: `unknown kind ${JSON.stringify(kind)}; use one of ${KINDS.join(', ')}` });
  }
  if (!header) return result;

  result.kind = kind as Kind;
  const validate = result.kind === 'MembershipProgram' ? validateMembershipProgram : validatePlanCatalog;
  if (!validate(value)) {
    for (const f of schemaFindings(validate.errors ?? [], value)) place(f);
  }
  if (result.kind === 'MembershipProgram') {
    const metadata = doc.metadata;
    const merchant = metadata && typeof metadata === 'object' ? (metadata as Record<string, unknown>).merchant : undefined;
    result.merchant = typeof merchant === 'string' ? merchant : undefined;
    for (const f of checkProgram(value, { catalog, path, ...(binding ? { binding } : {}) })) place(f);
  }
  return result;
}

function placed(read: Extract<ReadResult, { ok: true }>, f: Finding): Diagnostic {
  const { line, column } = locate(read.source, read.doc, f.pointer, f.at);
  return { code: f.code, severity: f.severity ?? 'error', message: f.message, line, column, pointer: f.pointer };
}

/**
 * Findings of the rules across files (a duplicate merchant, a misplaced catalog) come after
 * every file is checked, and seldom. The syntax tree is not kept for them — for a repository of
 * programs it would be most of what a run holds in memory — but read again from the same bytes,
 * which gives the same tree. (A function of its own, so the closure holds only these three.)
 */
function placeLater(path: string, bytes: Buffer, diagnostics: Diagnostic[]): (f: Finding) => void {
  return (f) => {
    const again = readYaml(path, bytes);
    if (again.ok) diagnostics.push(placed(again, f));
  };
}
