import { describe, expect, it } from 'vitest';
import { resolveDbTarget } from '../../src/store/open.js';

const cwd = '/work/shop';

describe('choosing the database', () => {
  it('--db first, then TIERFORM_DATABASE_URL, then DATABASE_URL, else the embedded one', () => {
    const env = { TIERFORM_DATABASE_URL: 'postgres://t/db', DATABASE_URL: 'postgres://d/db' };
    expect(resolveDbTarget({ db: 'postgres://cli/db', env, cwd })).toEqual({ kind: 'pg', url: 'postgres://cli/db' });
    expect(resolveDbTarget({ env, cwd })).toEqual({ kind: 'pg', url: 'postgres://t/db' });
    expect(resolveDbTarget({ env: { DATABASE_URL: 'postgres://d/db' }, cwd })).toEqual({ kind: 'pg', url: 'postgres://d/db' });
    expect(resolveDbTarget({ env: {}, cwd })).toEqual({ kind: 'pglite', dataDir: '/work/shop/.tierform/db' });
  });

  it('an explicit --data-dir wins over the environment, not over --db', () => {
    const env = { TIERFORM_DATABASE_URL: 'postgres://t/db', DATABASE_URL: 'postgres://d/db' };
    expect(resolveDbTarget({ dataDir: 'state', env, cwd })).toEqual({ kind: 'pglite', dataDir: '/work/shop/state' });
    expect(resolveDbTarget({ db: 'postgres://cli/db', dataDir: 'state', env, cwd })).toEqual({ kind: 'pg', url: 'postgres://cli/db' });
  });
});
