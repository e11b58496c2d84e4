/**
 * Global options anywhere on the line, group help with examples, and one usage-error style
 * (code, message, usage line, exit 1) for every mistake, never the argument parser's own text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin, runCli } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { commands } from '../../src/cli/registry.js';
import { locateCommand } from '../../src/cli/argv.js';
import { globalOptions } from '../../src/cli/registry.js';

const USAGE_ERROR = /^error usage\.[a-z-]+: [^\n]+\nusage: tierform [^\n]+\n$/;

describe('global options before, between and after the command words', () => {
  let db: SubprocessDb;
  beforeAll(async () => {
    db = await testDbUrlForSubprocess();
    expect((await runCli(['db', 'migrate', ...db.args])).code).toBe(0);
  }, 60_000);
  afterAll(async () => db.cleanup());

  it('status reads the same database wherever --db/--data-dir and --format stand', async () => {
    const lines = [
      [...db.args, 'status', '--format', 'json'],
      ['--format', 'json', 'status', ...db.args],
      ['status', ...db.args, '--format', 'json'],
      ['--format', 'json', ...db.args, 'status'],
    ];
    for (const argv of lines) {
      const r = await runCli(argv);
      expect({ argv, stderr: r.stderr, code: r.code }).toEqual({ argv, stderr: '', code: 0 });
      expect(JSON.parse(r.stdout)).toEqual([]);
    }
  });

  it('a two-word command with options between its words and the rest (real process)', async () => {
    const r = await runBin([...db.args, 'outbox', '--format', 'json', 'list', '--limit', '5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  }, 30_000);
});

describe('locateCommand', () => {
  it('never takes an option value for a command word', () => {
    const l = locateCommand(['--db', 'status', 'history', 'acme'], commands, globalOptions);
    expect(l.spec?.name).toBe('history');
    expect(l.rest).toEqual(['--db', 'status', 'acme']);
    expect(locateCommand(['--format=json', 'schedule', 'list'], commands, globalOptions).spec?.name).toBe('schedule list');
  });
});

describe('help for every group', () => {
  const groups = [...new Set(commands.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!))];
  it('covers the groups the brief names', () => {
    expect(groups).toEqual(expect.arrayContaining(['schedule', 'outbox', 'catalog', 'merchant', 'import', 'db', 'members']));
  });
  for (const group of groups) {
    it(`tierform ${group} --help lists its commands with examples`, async () => {
      const r = await runCli([group, '--help']);
      expect(r.code).toBe(0);
      for (const c of commands.filter((x) => x.name.startsWith(`${group} `))) {
        expect(r.stdout).toContain(c.usage);
        for (const e of c.examples ?? []) expect(r.stdout).toContain(e);
      }
      expect(r.stdout).toMatch(/\nexamples:\n {2}tierform /);
    });
  }

  it('a group without its command is a usage error naming the commands', async () => {
    const r = await runCli(['members']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(USAGE_ERROR);
    expect(r.stderr).toContain('show, list');
  });
});

describe('one usage-error style', () => {
  const cases: [string, string[], string][] = [
    ['unknown option', ['status', '--bogus'], 'usage.unknown-option'],
    ['misspelt option', ['plan', '--detailed-exitcod'], 'usage.unknown-option'],
    ['missing value', ['status', '--format'], 'usage.option-value'],
    ['value for a flag', ['apply', '--auto-approve=yes'], 'usage.option-value'],
    ['unknown short option', ['status', '-x'], 'usage.unknown-option'],
    ['unknown command', ['stauts'], 'usage.unknown-command'],
    ['unknown group command', ['outbox', 'send'], 'usage.unknown-command'],
    ['bad value', ['validate', '--format', 'xml'], 'usage.invalid'],
  ];
  for (const [label, argv, code] of cases) {
    it(label, async () => {
      const r = await runCli(argv);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(USAGE_ERROR);
      expect(r.stderr.startsWith(`error ${code}: `)).toBe(true);
      expect(r.stderr).not.toMatch(/To specify a positional|ERR_PARSE_ARGS|argument is ambiguous/);
    });
  }

  it('suggests the option meant', async () => {
    expect((await runCli(['plan', '--detailed-exitcod'])).stderr).toContain("did you mean '--detailed-exitcode'");
  });

  it('an option value that starts with a dash is a value, not an option', async () => {
    const r = await runCli(['validate', '--catalog', '-missing.yaml']);
    expect(r.stderr).not.toMatch(/ambiguous|unknown option/);
  });
});
