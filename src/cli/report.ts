import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunState } from '../orchestrator/runState';
import type { Cell, Plan } from '../plan/plan';
import { gridData, htmlReport } from '../report/htmlReport';

/** Writes the HTML report whole (a temporary file renamed into place: never half a file). */
export function writeReport(file: string, plan: Plan, state: RunState<Cell>, runId: string, summary: string): void {
  const abs = path.resolve(file);
  const tmp = `${abs}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, htmlReport(plan, gridData(plan, state, summary, runId)));
  fs.renameSync(tmp, abs);
}
