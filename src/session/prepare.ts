import * as path from 'node:path';
import type { Cell, Plan } from '../plan/plan';
import { recordedName, recordHeader, type RecordLine } from '../record/format';
import { DamagedRecordError, type RecordedRun } from '../record/reader';
import { latestRun, newRunId, runsRoot } from '../record/runs';
import { priorCells, recordedState } from '../record/replay';
import type { PriorCell } from '../runModel/events';
import { EXIT } from '../runModel/exitCodes';

/**
 * `resume`: continue the interrupted run unchanged (same run id, same config and script). `rerun-failed` and
 * `rerun-remaining`: a new run, with the config and worker script as they are now, of the last run's failed cells
 * (or of every cell it did not finish with success), matched by query name.
 */
export type RunMode = 'new' | 'resume' | 'rerun-failed' | 'rerun-remaining';

/** What a run will be, decided from the plan and the config's earlier runs. */
export type Preparation =
  | { kind: 'ready'; runId: string; runDir: string; cells?: readonly Cell[]; prior?: Map<number, PriorCell>; header?: RecordLine; note?: string; warnings?: string[] }
  | { kind: 'stop'; exitCode: number; level: 'info' | 'error'; message: string; /** Another run of this config holds the lock. */ busy?: boolean; /** What to offer instead. */ offer?: RunMode };

export function prepareRun(plan: Plan, mode: RunMode, runDirOption?: string, only?: readonly string[]): Preparation {
  const root = runsRoot(plan.config.file, plan.name, runDirOption);
  const runId = newRunId();
  if (mode === 'new' && only) return selected(plan, only, runId, path.join(root, runId));
  if (mode === 'new') return { kind: 'ready', runId, runDir: path.join(root, runId) };
  let last;
  try {
    last = latestRun(root);
  } catch (e) {
    if (!(e instanceof DamagedRecordError)) throw e;
    return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `${e.message}; nothing was started` };
  }
  const verb = mode === 'resume' ? 'resume' : 'rerun';
  if (!last) return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `no earlier run of ${plan.name} under ${root}; nothing to ${verb}` };
  const warnings = [...last.warnings];
  if (mode !== 'resume') return again(plan, last, mode, runId, root, warnings);
  if (last.header.planHash !== plan.hash) {
    return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', offer: 'rerun-remaining', message: `the config or worker script changed since run ${last.header.runId}, and resuming continues a run unchanged; its remaining cells can run with the config and script as they are now` };
  }
  warnStrays(plan, last, warnings);
  const bad = last.header.cellIndexes?.find((i) => i >= plan.cells.length);
  if (bad !== undefined) return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `the run record of ${last.header.runId} lists cell ${bad}, which the plan does not have; it cannot be resumed` };
  const state = recordedState(last, plan);
  const final = state.counts.succeeded + state.counts.failed;
  if (last.ended && final >= last.header.cells) {
    return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `run ${last.header.runId} already finished: every cell ran (exit code ${last.ended.exitCode}); use --rerun-failed to run its failed cells again` };
  }
  const cells = last.header.cellIndexes?.map((i) => plan.cells[i]);
  return { kind: 'ready', runId: last.header.runId, runDir: last.dir, cells, prior: priorCells(state), warnings };
}

/** Lines naming cells the plan does not have cannot come from this plan's runs: each is named once, and ignored. */
function warnStrays(plan: Plan, last: RecordedRun, warnings: string[]): void {
  const strays = new Set<number>();
  for (const l of last.lines) if ('i' in l && l.i >= plan.cells.length) strays.add(l.i);
  for (const i of strays) warnings.push(`the record of run ${last.header.runId} names cell ${i}, but the plan has ${plan.cells.length} cells; ignored`);
}

/**
 * A new run of the last run's failed cells (`rerun-failed`) or of every cell it did not finish with success
 * (`rerun-remaining`), with the config and script as they are now: what the user fixed is what runs. Cells are
 * matched by query name (from the record's layout), so a cell no longer in the plan is named and left out.
 */
function again(plan: Plan, last: RecordedRun, mode: 'rerun-failed' | 'rerun-remaining', runId: string, root: string, warnings: string[]): Preparation {
  const byIndex = new Map<number, Cell>();
  const sameShape = last.header.planHash === plan.hash;
  if (!last.header.layout && !sameShape) {
    return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `run ${last.header.runId} was recorded by an earlier version without its dates and partitions, and the config or worker script changed since; start a new run` };
  }
  if (sameShape) warnStrays(plan, last, warnings);
  const state = sameShape ? recordedState(last, plan) : undefined;
  // The last run's outcome of each of its cells, by recorded index (a later line of a resumed run wins).
  const outcome = new Map<number, string>();
  for (const i of last.header.cellIndexes ?? Array.from({ length: last.header.cells }, (_, k) => k)) outcome.set(i, 'not-started');
  if (state) for (const c of state.cells.values()) outcome.set(c.cell.index, c.state);
  else for (const l of last.lines) if (l.t === 'finished') outcome.set(l.i, l.o === 'cancelled' ? 'cancelled' : l.o);
  const wanted = [...outcome].filter(([, o]) => (mode === 'rerun-failed' ? o === 'failed' : o !== 'succeeded')).map(([i]) => i).sort((a, b) => a - b);
  const what = mode === 'rerun-failed' ? 'failed' : 'unfinished';
  if (wanted.length === 0) return { kind: 'stop', exitCode: EXIT.SUCCESS, level: 'info', message: `run ${last.header.runId} has no ${what} cells; nothing to rerun` };
  const names = new Map(plan.cells.map((c) => [c.queryName, c] as const));
  const gone: string[] = [];
  for (const i of wanted) {
    const name = sameShape ? plan.cells[i]?.queryName : recordedName(last.header, i);
    const cell = name ? names.get(name) : undefined;
    if (cell) byIndex.set(cell.index, cell);
    else gone.push(name ?? `cell ${i}`);
  }
  if (gone.length) warnings.push(`${gone.length} ${what} cell${gone.length === 1 ? ' is' : 's are'} no longer in ${plan.name} as the config is now, and ${gone.length === 1 ? 'was' : 'were'} left out: ${gone.slice(0, 5).join(', ')}${gone.length > 5 ? ', ...' : ''}`);
  const cells = [...byIndex.values()].sort((a, b) => a.index - b.index);
  if (cells.length === 0) return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `none of the ${wanted.length} ${what} cells of run ${last.header.runId} is in ${plan.name} as the config is now; nothing was started` };
  const cellIndexes = cells.map((c) => c.index);
  const changed = sameShape ? '' : ' with the config and worker script as they are now';
  return {
    kind: 'ready',
    runId,
    runDir: path.join(root, runId),
    cells,
    header: recordHeader(plan, runId, { cellIndexes, rerunOf: last.header.runId }),
    note: `rerunning ${cells.length} ${what} cell${cells.length === 1 ? '' : 's'} of run ${last.header.runId}${changed}`,
    warnings,
  };
}

/** A new run of some cells only (the grid's "Rerun selected"), named by query name, checked against the plan as it is. */
function selected(plan: Plan, names: readonly string[], runId: string, runDir: string): Preparation {
  const wanted = new Set(names);
  const cells = plan.cells.filter((c) => wanted.has(c.queryName));
  const missing = wanted.size - cells.length;
  const warnings = missing ? [`${missing} selected cell${missing === 1 ? ' is' : 's are'} not in ${plan.name} as the config is now; ${missing === 1 ? 'it was' : 'they were'} left out`] : [];
  if (cells.length === 0) return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `none of the ${wanted.size} selected cells is in ${plan.name} as the config is now; nothing was started` };
  const cellIndexes = cells.map((c) => c.index);
  return { kind: 'ready', runId, runDir, cells, header: recordHeader(plan, runId, { cellIndexes }), note: `running ${cells.length} selected cell${cells.length === 1 ? '' : 's'}`, warnings };
}
