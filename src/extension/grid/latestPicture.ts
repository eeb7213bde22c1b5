import * as path from 'node:path';
import type { Cell } from '../../plan/plan';
import { latestOutcomes } from '../../record/replay';
import type { RunState } from '../../runModel/runState';
import { logFinder } from '../runs/history';
import type { RunView } from '../runs/runStore';

/**
 * What a config's grid (a panel that follows the config's latest run) shows when that run covered only some cells,
 * as a rerun of the failed ones does: the latest outcome of every cell across the chain of runs it reran, so that
 * after "fix the worker, rerun the failed cells" the picture is the whole backtest. The run's own cells come from
 * the run as the editor holds it (its record may not be flushed yet), the others from the earlier records.
 * Undefined when there is nothing to compose (a full run, a run still going, no earlier run).
 */
export function latestPicture(run: RunView): { state: RunState<Cell>; note: string; t0: number; latest: NonNullable<RunView['latest']> } | undefined {
  if (run.phase !== 'finished' || !run.recordFile || run.state.counts.total >= run.plan.cells.length) return undefined;
  let composed: ReturnType<typeof latestOutcomes>;
  try {
    composed = latestOutcomes(path.dirname(path.dirname(run.recordFile)), run.plan);
  } catch {
    return undefined;
  }
  if (!composed || composed.runs.length < 2 || composed.runs[0].header.runId !== run.id) return undefined;
  const cells = new Map(composed.state.cells);
  for (const [i, r] of run.state.cells) cells.set(i, r);
  // Its times are the cells' own, from the earliest cell drawn (an earlier run's) to this run's end: not measured from
  // this run's start, which put a cell the first run ran at "start +0 ms" at the rerun's time.
  const state = { ...composed.state, cells, endedAt: run.state.endedAt };
  let t0 = run.startedAt;
  for (const r of cells.values()) if (r.createdAt !== undefined && r.createdAt < t0) t0 = r.createdAt;
  // A cell an earlier run decided: its log is in that run's folder (the logs folder listed once per run, when asked).
  const finders = new Map<string, ReturnType<typeof logFinder>>();
  const from = composed.from;
  const latest: NonNullable<RunView['latest']> = {
    state,
    runOf: (i) => (run.state.cells.has(i) ? run.id : from.get(i)?.header.runId),
    logOf(v) {
      const rec = from.get(v.cell.index);
      if (!rec || !v.serial || run.state.cells.has(v.cell.index)) return undefined;
      let find = finders.get(rec.dir);
      if (!find) finders.set(rec.dir, (find = logFinder(rec.dir)));
      return find(v.cell.queryName, v.serial);
    },
  };
  return { state, note: `latest outcome of each cell across runs ${composed.runs.map((r) => r.header.runId).join(' ← ')}`, t0, latest };
}
