// Loaded with --import: fails the process if a database driver is imported (validate must not).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      "export async function resolve(s, c, n) { if (/^(pg|@electric-sql\\/pglite)(\\/|$)/.test(s)) throw new Error('validate loaded a database driver: ' + s); return n(s, c); }",
    ),
);
