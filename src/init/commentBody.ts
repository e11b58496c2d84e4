/**
 * The JavaScript, shared by the GitHub and GitLab scripts `init` writes, that turns the plan
 * output into the one comment a pull request shows. Generated text, so the scripts need nothing
 * but Node: no package of ours runs inside the program repository's CI with its token.
 */

/** The hidden line that marks the plan comment, so a new push edits it instead of adding one. */
export const PLAN_COMMENT_MARKER = '<!-- tierform-plan -->';
/** The hidden line that marks the one open drift issue. */
export const DRIFT_ISSUE_MARKER = '<!-- tierform-drift -->';

/** A file's text, or `fallback` when it is not there (a step that produced nothing). */
const READ_OR_JS = `function readOr(path, fallback) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
`;

/**
 * `driftBody({ commit, version, run, plan, change })`: the one drift issue's text; `change` is
 * what the forge calls a reviewed change ("pull request", "merge request").
 */
export const DRIFT_ISSUE_JS = `const marker = '${DRIFT_ISSUE_MARKER}';

function driftBody({ commit, version, run, plan, change }) {
  return marker + '\\nThe live state differs from the repository at commit ' + (commit || '').slice(0, 12) +
    ' (tierform ' + (version || 'unknown') + ')' + run + '. Either someone changed it outside a merged ' + change +
    ' (apply or rollback by hand), or a merge was not applied yet. The plan below is what an apply of the default branch would do.\\n\\n' + plan;
}

${READ_OR_JS}`;

/**
 * `planComment({ state, plan, errors, commit, version, run })`:
 * - state `invalid`: validation failed, no plan was computed; the comment says the plan shown
 *   before is not current, so a stale plan never stays up looking current;
 * - a plan (markdown starting with `## tierform plan`) is shown as is;
 * - anything else (a refused plan, no database) is shown as text under "plan failed".
 * Under a plan: the simulation of its rule changes (`tierform simulate --format markdown`), and
 * what stopped a simulation, as text; a simulation that would take the comment past GitHub's
 * limit (65,536 characters) is left to the job's log, and the comment says so.
 * Every comment ends with the commit it is about and the tierform version that computed it.
 */
export const PLAN_COMMENT_JS = `const marker = '${PLAN_COMMENT_MARKER}';
const fence = '\`\`\`';
const COMMENT_LIMIT = 60000;

function simulationPart(plan, simulation, simulationErrors) {
  let part = '';
  if ((simulation || '').trim() !== '') part += '\\n' + simulation.trimEnd() + '\\n';
  if ((simulationErrors || '').trim() !== '') part += '\\n### Simulation not available\\n\\n' + fence + '\\n' + simulationErrors + fence + '\\n';
  if (plan.length + part.length > COMMENT_LIMIT) {
    return '\\n### Simulation\\n\\nThe simulation of the rule changes is too long for this comment: read it in the job log.\\n';
  }
  return part;
}

function planComment({ state, plan, errors, simulation, simulationErrors, commit, version, run }) {
  const short = (commit || 'unknown commit').slice(0, 12);
  const footer = '\\n---\\n<sub>Commit ' + short + ' · tierform ' + (version || 'unknown') + (run ? ' · [workflow run](' + run + ')' : '') + '</sub>\\n';
  if (state === 'invalid') {
    return marker + '\\n## tierform plan: not current\\n\\n' +
      'Validation failed on commit ' + short + ', so no plan was computed: the plan this comment showed before ' +
      'is **not current** and must not be reviewed. The errors are annotated on the files; fix them and push again.\\n' + footer;
  }
  if (plan.startsWith('## tierform plan')) return marker + '\\n' + plan.trimEnd() + '\\n' + simulationPart(plan, simulation, simulationErrors) + footer;
  return marker + '\\n## tierform plan failed\\n\\n' + fence + '\\n' + plan + errors + fence + '\\n' + footer;
}

${READ_OR_JS}`;
