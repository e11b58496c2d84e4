/**
 * Diagnostics: a closed set of stable codes (SPEC §2), each tied to a position in the source.
 * Rules report findings by JSON pointer; `locate` turns pointers into line and column.
 */

export const diagnosticCodes = [
  // reading and shape
  'file.unreadable',
  'file.not-regular',
  'file.outside-root',
  'file.symlink',
  'yaml.syntax',
  'yaml.alias-undefined',
  'yaml.too-deep',
  'yaml.lone-surrogate',
  'yaml.duplicate-key',
  'yaml.aliases',
  'yaml.too-large',
  'document.empty',
  'document.multiple',
  'document.not-text',
  'api.version',
  'api.kind',
  // meaning
  'tiers.order',
  'tiers.duplicate-id',
  'paid.duplicate-id',
  'caps.max-tiers',
  'caps.levels-unsupported',
  'caps.max-paid-plans',
  'caps.custom-rules',
  'caps.subscription',
  'rules.retention-needs-validity',
  'rules.retain-missing',
  'rules.retention-needs-single-order',
  'rules.window-conflict',
  'rules.points-basis',
  'rules.min-validity',
  'type.section-missing',
  'effective.at-missing',
  'effective.at-unexpected',
  'time.zone',
  'currency.code',
  'cron.expression',
  'notifications.placeholder',
  'money.precision',
  'money.range',
  'merchant.path-mismatch',
  'merchant.duplicate',
  'merchant.nested-programs',
  'catalog.misplaced',
] as const;

/** Schema errors are `schema.<ajv keyword>`, e.g. `schema.required`, `schema.additional-property`. */
export type DiagnosticCode = (typeof diagnosticCodes)[number] | `schema.${string}`;

export type Severity = 'error' | 'warning';

/** What a check reports: where (by pointer) and what. */
export interface Finding {
  code: DiagnosticCode;
  pointer: string;
  message: string;
  /** Point at the property's key rather than its value (unknown or misplaced keys). */
  at?: 'key' | 'value';
  severity?: Severity;
}

/** A finding placed in a file. Line and column are 1-based. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  pointer: string;
}

export interface FileReport {
  /** The path as found, relative to the current directory when given so. */
  path: string;
  valid: boolean;
  diagnostics: Diagnostic[];
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.line - b.line || a.column - b.column || a.code.localeCompare(b.code);
}

export { pointerOf, segmentsOf } from '../model/pointer.js';
