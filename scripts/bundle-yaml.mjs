/**
 * Build step after `tsc` (`npm run build`): the `yaml` package as one file, dist/vendor/yaml.js,
 * and every `from 'yaml'` in dist pointed at it.
 *
 * Why: `yaml` is 74 CommonJS files. Node resolves, reads and wraps each one, which is about
 * 40 ms of CPU at the start of every command, a third of what a cold `tierform validate <file>`
 * adds to Node's own start (SPEC §6: under 0.5 s). One file of the same code loads in under 10.
 *
 * The copy is the installed package's own dist, unchanged, each file wrapped in a function and
 * required through a table; nothing is rewritten inside the files. The sources (src/) and the
 * tests keep importing `yaml` itself; only the built CLI uses the copy. Plain Node, no
 * dependencies: it runs wherever `tsc` has just run.
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'vendor', 'yaml.js');

const require = createRequire(join(ROOT, 'package.json'));
const entry = require.resolve('yaml'); // node_modules/yaml/dist/index.js: the CommonJS build Node uses
const yamlDist = dirname(entry);
const pkg = JSON.parse(readFileSync(join(yamlDist, '..', 'package.json'), 'utf8'));
const license = readFileSync(join(yamlDist, '..', 'LICENSE'), 'utf8').trim();

/** Every .js file below a directory, in a stable order, as posix paths relative to it. */
function jsFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

function bundle() {
  const files = jsFiles(yamlDist);
  const names = Object.keys(require('yaml')).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
  const parts = [
    `/* yaml ${pkg.version} (${pkg.homepage}), its CommonJS build in one file for tierform by scripts/bundle-yaml.mjs.\n${license.replace(/\*\//g, '* /')}\n*/`,
    "import { createRequire } from 'node:module';",
    'const nodeRequire = createRequire(import.meta.url);',
    'const defined = new Map();',
    'const cache = new Map();',
    '/** A relative request from the file `from`, as Node resolves it among these files. */',
    'function resolveIn(from, request) {',
    "  const parts = from.split('/').slice(0, -1);",
    "  for (const s of request.split('/')) {",
    "    if (s === '..') parts.pop();",
    "    else if (s !== '.' && s !== '') parts.push(s);",
    '  }',
    "  const id = parts.join('/');",
    "  return defined.has(id) ? id : `${id}.js`;",
    '}',
    'function load(id) {',
    '  const cached = cache.get(id);',
    '  if (cached) return cached.exports;',
    '  const factory = defined.get(id);',
    "  if (!factory) throw new Error(`yaml bundle: no module ${id}`);",
    '  const module = { exports: {} };',
    '  cache.set(id, module);',
    "  factory.call(module.exports, module, module.exports, (request) => (request.startsWith('.') ? load(resolveIn(id, request)) : nodeRequire(request)));",
    '  return module.exports;',
    '}',
  ];
  for (const f of files) {
    parts.push(`defined.set(${JSON.stringify(f)}, function (module, exports, require) {\n${readFileSync(join(yamlDist, f), 'utf8')}\n});`);
  }
  parts.push(`const yaml = load(${JSON.stringify(relative(yamlDist, entry).split(sep).join('/'))});`);
  parts.push(`export const { ${names.join(', ')} } = yaml;`);
  parts.push('export default yaml;');
  return `${parts.join('\n')}\n`;
}

/** `from 'yaml'` (static imports and re-exports) in the compiled modules, pointed at the copy. */
function pointImports() {
  let changed = 0;
  for (const f of jsFiles(DIST)) {
    if (f.startsWith('vendor/')) continue;
    const path = join(DIST, f);
    const text = readFileSync(path, 'utf8');
    let target = relative(dirname(path), OUT).split(sep).join('/');
    if (!target.startsWith('.')) target = `./${target}`;
    const next = text.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])yaml\2/g, (_m, head, q) => `${head}${q}${target}${q}`);
    if (next !== text) {
      writeFileSync(path, next);
      changed += 1;
    }
  }
  return changed;
}

mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, bundle());
const changed = pointImports();
console.error(`bundle-yaml: dist/vendor/yaml.js (yaml ${pkg.version}); ${changed} modules import it`);
