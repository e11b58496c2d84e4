// Loaded with --import: fails the process if a database driver is imported (validate must not).
// Node 26 deprecates module.register (DEP0205) for the synchronous registerHooks; Node 20 has
// only register.
import * as mod from 'node:module';

const forbidden = /^(pg|@electric-sql\/pglite)(\/|$)/;
if (typeof mod.registerHooks === 'function') {
  mod.registerHooks({
    resolve(specifier, context, next) {
      if (forbidden.test(specifier)) throw new Error('validate loaded a database driver: ' + specifier);
      return next(specifier, context);
    },
  });
} else {
  mod.register(
    'data:text/javascript,' +
      encodeURIComponent(
        "export async function resolve(s, c, n) { if (/^(pg|@electric-sql\\/pglite)(\\/|$)/.test(s)) throw new Error('validate loaded a database driver: ' + s); return n(s, c); }",
      ),
  );
}
