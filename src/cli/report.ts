import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunState } from '../orchestrator/runState';
import type { Cell, Plan } from '../plan/plan';
import { gridData, htmlReport } from '../report/htmlReport';

/** The grid page's script: next to the CLI bundle (dist/grid.js), or in dist/ when run from compiled sources. */
export function gridScript(): string {
  for (const p of [path.join(__dirname, 'grid.js'), path.join(__dirname, '..', '..', '..', 'dist', 'grid.js')]) {
    if (fs.existsSync(p)) return fs.readFileSync(p, 'utf8');
  }
  throw new Error('the grid script (dist/grid.js) is missing: run npm run build');
}

/** Why a report cannot be written there (checked before a run, so a long run does not end in a lost report). */
export function reportFolderProblem(file: string): string | undefined {
  const dir = path.dirname(path.resolve(file));
  try {
    if (!fs.statSync(dir).isDirectory()) return `${dir} is not a folder`;
    fs.accessSync(dir, fs.constants.W_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `the folder ${dir} does not exist` : code === 'EACCES' ? `the folder ${dir} is not writable` : (e as Error).message;
  }
}

/**
 * Writes the HTML report whole (a temporary file renamed into place: never half a file). Returns why it could not,
 * or undefined when it is written.
 */
export function writeReport(file: string, plan: Plan, state: RunState<Cell>, runId: string, summary: string): string | undefined {
  const abs = path.resolve(file);
  const tmp = `${abs}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, htmlReport(plan, gridData(plan, state, { runId, summary, live: false, interactive: false }), gridScript()));
    fs.renameSync(tmp, abs);
    return undefined;
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    return (e as Error).message;
  }
}
