/**
 * Reading CI workflow files as a runner would: the shell text of GitHub `run:` steps and GitLab
 * `script:` lists, and the `tierform …` commands in it.
 */

export interface Invocation {
  /** The words after `tierform` up to the first option: the command and its first operands. */
  words: string[];
  /** Option names, without dashes or values. */
  options: string[];
  /** Everything after `tierform`, quotes removed, variables left as written. */
  argv: string[];
  text: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every piece of shell the workflow runs. */
export function workflowCommands(path: string, doc: unknown): string[] {
  if (!isObj(doc)) return [];
  const out: string[] = [];
  if (path.includes('.github/')) {
    for (const job of Object.values(isObj(doc.jobs) ? doc.jobs : {})) {
      const steps = isObj(job) && Array.isArray(job.steps) ? job.steps : [];
      for (const step of steps) if (isObj(step) && typeof step.run === 'string') out.push(step.run);
    }
    return out;
  }
  for (const job of Object.values(doc)) {
    if (!isObj(job)) continue;
    for (const key of ['before_script', 'script', 'after_script']) {
      const list = job[key];
      if (typeof list === 'string') out.push(list);
      else if (Array.isArray(list)) for (const line of list) if (typeof line === 'string') out.push(line);
    }
  }
  return out;
}

/** The `tierform` commands in a piece of shell: one per simple command that starts with it. */
export function invocationsIn(shell: string): Invocation[] {
  const found: Invocation[] = [];
  const lines = shell.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines) {
    if (/^\s*#/.test(line)) continue;
    for (const segment of line.split(/&&|\|\||[;|]/)) {
      const words = shellWords(segment);
      // Leading `!` and VAR=value assignments do not change which command runs.
      while (words[0] === '!' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] ?? '')) words.shift();
      if (words[0] !== 'tierform') continue;
      const args = words.slice(1);
      const firstOption = args.findIndex((a) => a.startsWith('-'));
      found.push({
        words: firstOption === -1 ? args : args.slice(0, firstOption),
        options: args.filter((a) => a.startsWith('-')).map((a) => a.replace(/^--?/, '').split('=')[0]!),
        argv: args,
        text: segment.trim(),
      });
    }
  }
  return found;
}

/** Words of a simple command, quotes removed, redirections (`> file`, `2>&1`) dropped. */
function shellWords(segment: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let skipNext = false;
  for (let m = re.exec(segment); m; m = re.exec(segment)) {
    const raw = m[0];
    if (skipNext) {
      skipNext = false;
      continue;
    }
    if (/^\d*>>?$|^<$/.test(raw)) {
      skipNext = true;
      continue;
    }
    if (/^\d*>>?/.test(raw) || raw.startsWith('<')) continue;
    words.push(m[1] ?? m[2] ?? m[3]!);
  }
  return words;
}
