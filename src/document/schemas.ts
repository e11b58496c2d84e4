/** The JSON Schemas as data: read only when an error needs them (suggestions), never at start-up. */
import { readFileSync } from 'node:fs';

const FILES = { MembershipProgram: 'membership-program.schema.json', PlanCatalog: 'plan-catalog.schema.json' } as const;
export type SchemaKind = keyof typeof FILES;

const cache = new Map<SchemaKind, Record<string, unknown>>();

/** src/document and dist/document are both two levels below the package root. */
export function schemaUrl(kind: SchemaKind): URL {
  return new URL(`../../schemas/${FILES[kind]}`, import.meta.url);
}

export function loadSchema(kind: SchemaKind): Record<string, unknown> {
  let s = cache.get(kind);
  if (!s) {
    s = JSON.parse(readFileSync(schemaUrl(kind), 'utf8')) as Record<string, unknown>;
    cache.set(kind, s);
  }
  return s;
}

export function findSchemaKind(name: string): SchemaKind | undefined {
  return (Object.keys(FILES) as SchemaKind[]).find((k) => k.toLowerCase() === name.toLowerCase());
}
