import type { Cell, Plan } from '../plan/plan';
import { longestFirst } from '../plan/order';
import { forecast, type Forecast } from '../plan/forecast';
import { latestRun } from '../record/runs';
import { recordedState } from '../record/replay';
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
export function learnedDurations(plan: Plan, root: string): { run: RecordedRun; known: Map<number, number> } | { why: string } {
  let last;
  try {
    last = latestRun(root);
  } catch {
    last = undefined;
  }
  if (!last || last.header.planHash !== plan.hash) return { why: 'no earlier run of this same config and script to learn durations from' };
  const known = new Map<number, number>();
  for (const r of recordedState(last, plan).cells.values()) {
    if ((r.state === 'succeeded' || r.state === 'failed') && r.createdAt !== undefined && r.endedAt !== undefined) known.set(r.cell.index, r.endedAt - r.createdAt);
  }
  return known.size ? { run: last, known } : { why: `run ${last.header.runId} finished no cell` };
}

/** `execution.order`: date by date, or longest expected first, learnt from the newest recorded run of this plan. */
export function cellOrder(plan: Plan, root: string, cells: readonly Cell[] = plan.cells, learned = learnedDurations(plan, root)): CellOrder {
  if (plan.config.execution.order !== 'longest_first') return { cells: [...cells], note: 'dates: date by date, partitions in order' };
  if ('why' in learned) return { cells: [...cells], note: `longest_first, but ${learned.why}: date by date` };
  const ordered = longestFirst(cells, learned.known);
  return { cells: ordered, note: `longest_first: ${learned.known.size} of ${cells.length} cells timed by run ${learned.run.header.runId} (others by their date's mean, else the run's); first ${ordered[0].queryName}` };
}

/** How long the plan should take, from the same measurements, in the order it will start; or why there is no forecast. */
export function planForecast(plan: Plan, root: string): { forecast: Forecast } | { why: string } {
  const learned = learnedDurations(plan, root);
  if ('why' in learned) return { why: learned.why };
  const order = cellOrder(plan, root, plan.cells, learned).cells;
  const f = forecast(order, learned.known, plan.concurrency, { runId: learned.run.header.runId, at: learned.run.header.at });
  return f ? { forecast: f } : { why: 'no cell was measured' };
}
