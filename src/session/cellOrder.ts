import type { Cell, Plan } from '../plan/plan';
import { longestFirst } from '../plan/order';
import { forecast, forecastText, type Forecast } from '../plan/forecast';
import { latestRunState } from '../record/replay';
import type { RunState } from '../runModel/runState';
import type { RecordedRun } from '../record/reader';

/** The order cells start in, and why (the dry run shows it). */
export interface CellOrder {
  cells: Cell[];
  note: string;
}

/**
 * What the newest recorded run of this same plan (same config and worker script) under `root` measured: each
 * finished cell's duration. `why`: there is no such run, or it finished no cell.
 */
export function learnedDurations(plan: Plan, root: string, newest?: { rec: RecordedRun; state: RunState<Cell> }): { run: RecordedRun; known: Map<number, number> } | { why: string } {
  let last = newest;
  if (!last) {
    try {
      last = latestRunState(root, plan);
    } catch {
      last = undefined;
    }
  }
  if (!last || last.rec.header.planHash !== plan.hash) return { why: 'no earlier run of this same config and script to learn durations from' };
  const known = new Map<number, number>();
  for (const r of last.state.cells.values()) {
    if ((r.state === 'succeeded' || r.state === 'failed') && r.createdAt !== undefined && r.endedAt !== undefined) known.set(r.cell.index, r.endedAt - r.createdAt);
  }
  return known.size ? { run: last.rec, known } : { why: `run ${last.rec.header.runId} finished no cell` };
}

/** `execution.order`: date by date, or longest expected first, learnt from the newest recorded run of this plan. */
export function cellOrder(plan: Plan, root: string, cells: readonly Cell[] = plan.cells, learned = learnedDurations(plan, root)): CellOrder {
  if (plan.config.execution.order !== 'longest_first') return { cells: [...cells], note: 'dates: date by date, partitions in order' };
  if ('why' in learned) return { cells: [...cells], note: `longest_first, but ${learned.why}: date by date` };
  const ordered = longestFirst(cells, learned.known);
  return { cells: ordered, note: `longest_first: ${learned.known.size} of ${cells.length} cells timed by run ${learned.run.header.runId} (others by their date's mean, else the run's); first ${ordered[0].queryName}` };
}

/** How long the plan should take, from the same measurements, in the order it will start; or why there is no forecast. */
export function planForecast(plan: Plan, root: string, learned = learnedDurations(plan, root), order?: CellOrder): { forecast: Forecast } | { why: string } {
  if ('why' in learned) return { why: learned.why };
  const cells = (order ?? cellOrder(plan, root, plan.cells, learned)).cells;
  const f = forecast(cells, learned.known, plan.concurrency, { runId: learned.run.header.runId, at: learned.run.header.at });
  return f ? { forecast: f } : { why: 'no cell was measured' };
}

/**
 * What a dry run shows of the schedule (the CLI's, the editor's, the CodeLens tooltip): the order cells start in and
 * the forecast, learnt from the newest recorded run once (its record is read once).
 */
export function planPreview(plan: Plan, root: string, newest?: { rec: RecordedRun; state: RunState<Cell> }): { order: CellOrder; forecast: { forecast: Forecast } | { why: string }; text: string } {
  const learned = learnedDurations(plan, root, newest);
  const order = cellOrder(plan, root, plan.cells, learned);
  const f = planForecast(plan, root, learned, order);
  return { order, forecast: f, text: 'forecast' in f ? forecastText(f.forecast) : `none: ${f.why}` };
}
