/**
 * Generates src/generated/ from schemas/: TypeScript types (json-schema-to-typescript, assembled
 * into one module with ts-morph) and ajv standalone validators, so that `tierform validate`
 * never compiles a schema at start-up.
 *
 *   npm run codegen            writes the files
 *   generate()                 returns path → content without writing (the staleness test)
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import addFormats from 'ajv-formats';
import { compile } from 'json-schema-to-typescript';
import { IndentationText, Project, QuoteKind, type Statement } from 'ts-morph';

type Json = { [key: string]: unknown };

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The documents: kind → schema file. The kind is also the name of the root type. */
export const DOCUMENTS = [
  { kind: 'MembershipProgram', file: 'schemas/membership-program.schema.json' },
  { kind: 'PlanCatalog', file: 'schemas/plan-catalog.schema.json' },
] as const;

export const TYPES_PATH = 'src/generated/types.ts';
export const VALIDATORS_PATH = 'src/generated/validators.ts';

const BANNER = '/* Generated from schemas/ by scripts/codegen.ts. Do not edit: change the schema and run `npm run codegen`. */';

/** Ajv options shared by the codegen and by tests that compile the schemas at run time. */
export function createAjv(standalone: boolean): Ajv.default {
  const ajv = new Ajv.default({
    allErrors: true,
    // Errors carry `parentSchema`: the object schema an unknown property was found in, even
    // inside a $defs function whose `schemaPath` is relative to the definition.
    verbose: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    ...(standalone ? { code: { source: true, esm: true } } : {}),
  });
  addFormats.default(ajv, ['date']);
  // Editor annotations (VS Code / yaml-language-server): meaningless to validation.
  ajv.addVocabulary(['markdownDescription', 'markdownEnumDescriptions', 'defaultSnippets']);
  // Editors check effective.at as a date-time; tierform's own rule reports a bad one with its
  // code (effective.at-missing) and message, so the validator does not report it twice.
  ajv.addFormat('date-time', true);
  return ajv;
}

export async function readSchemas(root = ROOT): Promise<Record<string, Json>> {
  const out: Record<string, Json> = {};
  for (const d of DOCUMENTS) out[d.kind] = JSON.parse(await readFile(join(root, d.file), 'utf8')) as Json;
  return out;
}

export async function generate(root = ROOT): Promise<Record<string, string>> {
  const schemas = await readSchemas(root);
  return {
    [TYPES_PATH]: await generateTypes(schemas),
    [VALIDATORS_PATH]: generateValidators(schemas),
  };
}

// ---------------------------------------------------------------------------------- types

async function generateTypes(schemas: Record<string, Json>): Promise<string> {
  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Single },
  });
  const declarations = new Map<string, string>();
  for (const d of DOCUMENTS) {
    const ts = await compile(forTyping(schemas[d.kind] as Json) as never, d.kind, {
      bannerComment: '',
      additionalProperties: false,
      unreachableDefinitions: true,
      declareExternallyReferenced: true,
      strictIndexSignatures: true,
      format: true,
      style: { singleQuote: true, printWidth: 120, trailingComma: 'all' },
    });
    const source = project.createSourceFile(`${d.kind}.ts`, ts);
    for (const statement of source.getStatements()) {
      const name = declarationName(statement);
      if (!name) continue;
      const text = statement.getFullText().trim().replace(REFERENCED_NOTE, '');
      const known = declarations.get(name);
      if (known !== undefined && known !== text) {
        throw new Error(`codegen: two schemas define different types named ${name}; give one of them another title`);
      }
      declarations.set(name, text);
    }
  }
  const kinds = DOCUMENTS.map((d) => `  ${d.kind}: ${d.kind};`).join('\n');
  const module = project.createSourceFile(TYPES_PATH, '');
  module.addStatements([
    BANNER,
    ...declarations.values(),
    `/** Every document kind, by \`kind\`, with its type. */\nexport interface DocumentKinds {\n${kinds}\n}`,
  ]);
  module.formatText({ indentSize: 2, convertTabsToSpaces: true });
  return module.getFullText().replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

/** json-schema-to-typescript notes which schema a $defs type came from; the module merges both. */
const REFERENCED_NOTE = /\n \*\n \* This interface was referenced by `\w+`'s JSON-Schema\n \* via the `definition` "\w+"\./g;

function declarationName(statement: Statement): string | undefined {
  const named = statement as unknown as { getName?: () => string | undefined };
  return typeof named.getName === 'function' ? named.getName() : undefined;
}

/**
 * The schemas are written for ajv's errors (if/then blocks that give one clear error); types
 * want plain unions. This rewrites a copy for json-schema-to-typescript:
 * - `title` only names the root and the $defs (nested titles would each become a type), and a
 *   `$ref` keeps no siblings (a described reference would become a copy of the type);
 * - no `minItems` (it would turn arrays into tuple types that plain arrays cannot be assigned to);
 * - `{ type: [string, object], if: { type: string }, then: S, else: O }` becomes `S | O`;
 * - every other if/then/else (conditional requirements) is dropped, and with it an allOf that
 *   only held such blocks (the per-benefit-type field rules).
 */
export function forTyping(schema: Json): Json {
  const copy = structuredClone(schema);
  const rewrite = (node: unknown, keepTitle: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => rewrite(n, false));
    if (!node || typeof node !== 'object') return node;
    const n = node as Json;
    if (typeof n.$ref === 'string') return { $ref: n.$ref };
    if (!keepTitle) delete n.title;
    delete n.minItems;
    const cond = n.if as Json | undefined;
    if (cond && cond.type === 'string' && Object.keys(cond).length === 1) {
      n.oneOf = [{ type: 'string', ...(n.then as Json) }, n.else];
      delete n.type;
    }
    delete n.if;
    delete n.then;
    delete n.else;
    if (Array.isArray(n.allOf)) {
      const kept = n.allOf.filter((s) => !(s && typeof s === 'object' && 'if' in s));
      if (kept.length === 0) delete n.allOf;
      else n.allOf = kept;
    }
    for (const [k, v] of Object.entries(n)) {
      if (k === '$defs' && v && typeof v === 'object') {
        for (const [name, def] of Object.entries(v as Json)) (v as Json)[name] = rewrite(def, true);
      } else if (k !== 'enum' && k !== 'const' && k !== 'default') {
        n[k] = rewrite(v, false);
      }
    }
    return n;
  };
  return rewrite(copy, true) as Json;
}

// ----------------------------------------------------------------------------- validators

function generateValidators(schemas: Record<string, Json>): string {
  const ajv = createAjv(true);
  const exports: Record<string, string> = {};
  for (const d of DOCUMENTS) {
    const schema = schemas[d.kind] as Json;
    ajv.addSchema(schema);
    exports[`validate${d.kind}`] = String(schema.$id);
  }
  let code = toEsm(standaloneCode.default(ajv, exports)).replace(/^"use strict";/m, '');
  // Importers see each export as ajv's ValidateFunction, a type guard for its document type.
  for (const d of DOCUMENTS) {
    const name = `validate${d.kind}`;
    const before = code;
    code = code.replace(new RegExp(`export const ${name} = (\\w+);`), `export const ${name}: ValidateFunction<${d.kind}> = $1;`);
    if (code === before) throw new Error(`codegen: no export ${name} in the standalone validators`);
  }
  return [
    '// @ts-nocheck',
    BANNER,
    "import type { ValidateFunction } from 'ajv';",
    `import type { ${DOCUMENTS.map((d) => d.kind).join(', ')} } from './types.js';`,
    code,
  ].join('\n').trimEnd() + '\n';
}

/**
 * Ajv's standalone code reaches its runtime helpers (ucs2length, the format functions of
 * ajv-formats) with `require("…")`, which an ES module does not have. The module gets one from
 * `createRequire`, so each helper loads exactly as ajv meant it (a default import of CommonJS
 * differs between Node and bundlers such as vite's, which would break `.default` chains).
 */
function toEsm(code: string): string {
  const needs = /\brequire\(/.test(code);
  return [
    ...(needs ? ["import { createRequire } from 'node:module';", 'const require = createRequire(import.meta.url);'] : []),
    code,
  ].join('\n');
}

// ----------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const files = await generate();
  for (const [path, content] of Object.entries(files)) {
    const target = join(ROOT, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    process.stderr.write(`wrote ${path}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
