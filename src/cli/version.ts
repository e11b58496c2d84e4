import { readFileSync } from 'node:fs';

/** src/cli and dist/cli are both two levels below the package root. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
