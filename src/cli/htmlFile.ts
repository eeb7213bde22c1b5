import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunState } from '../runModel/runState';
import type { Cell, Plan } from '../plan/plan';
import { REPORT_GENERATOR } from '../grid/page';
import { gridData } from '../grid/adapter';
import { htmlReport } from '../report/htmlReport';

/** The grid page's script: next to the CLI bundle (dist/grid.js), or in dist/ when run from compiled sources. */
export function gridScript(): string {
  for (const p of [path.join(__dirname, 'grid.js'), path.join(__dirname, '..', '..', '..', 'dist', 'grid.js')]) {
    if (fs.existsSync(p)) return fs.readFileSync(p, 'utf8');
  }
  throw new Error('the grid script (dist/grid.js) is missing: run npm run build');
}

/**
 * Why a report cannot be written there (checked before a run, so a long run does not end in a lost report): it must
 * be an .html file, and one that does not exist yet or is an earlier report. Never the config, the worker script or
 * any other file that happens to be there.
 */
export function reportTargetProblem(file: string, plan: Plan): string | undefined {
  const abs = path.resolve(file);
  if (!/\.html?$/i.test(abs)) return 'a report is an .html file; give a name ending in .html';
  if (abs === plan.config.file || abs === plan.config.execution.worker_script) return `${abs} is the run's ${abs === plan.config.file ? 'config' : 'worker script'}`;
  const dir = path.dirname(abs);
  try {
    if (fs.existsSync(abs)) {
      if (!fs.statSync(abs).isFile()) return `${abs} is not a file`;
      if (!isEarlierReport(abs)) return `${abs} exists and is not an earlier report; it was left as it is (give another name, or remove it)`;
    }
    if (!fs.statSync(dir).isDirectory()) return `${dir} is not a folder`;
    fs.accessSync(dir, fs.constants.W_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `the folder ${dir} does not exist` : code === 'EACCES' ? `the folder ${dir} is not writable` : (e as Error).message;
  }
}

function isEarlierReport(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(2048);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('utf8').includes(`<meta name="generator" content="${REPORT_GENERATOR}">`);
  } finally {
    fs.closeSync(fd);
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
