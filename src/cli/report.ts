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

/** Writes the HTML report whole (a temporary file renamed into place: never half a file). */
export function writeReport(file: string, plan: Plan, state: RunState<Cell>, runId: string, summary: string): void {
  const abs = path.resolve(file);
  const tmp = `${abs}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, htmlReport(plan, gridData(plan, state, { runId, summary, live: false, interactive: false }), gridScript()));
  fs.renameSync(tmp, abs);
}
