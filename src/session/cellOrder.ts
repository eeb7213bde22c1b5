import type { Cell, Plan } from '../plan/plan';
import { longestFirst } from '../plan/order';
import { latestRun } from '../record/runs';
import { recordedState } from '../record/replay';

/** The order cells start in, and why (the dry run shows it). */
export interface CellOrder {
  cells: Cell[];
  note: string;
}

/**
 * `execution.order`: date by date, or longest expected first, learnt from the newest recorded run of this same plan
 * (same config and worker script) under `root`.
 */
export function cellOrder(plan: Plan, root: string, cells: readonly Cell[] = plan.cells): CellOrder {
  if (plan.config.execution.order !== 'longest_first') return { cells: [...cells], note: 'dates: date by date, partitions in order' };
  let last;
  try {
    last = latestRun(root);
  } catch {
    last = undefined;
  }
  if (!last || last.header.planHash !== plan.hash) {
    return { cells: [...cells], note: 'longest_first, but no earlier run of this same config and script to learn durations from: date by date' };
  }
  const known = new Map<number, number>();
  for (const r of recordedState(last, plan).cells.values()) {
    if ((r.state === 'succeeded' || r.state === 'failed') && r.createdAt !== undefined && r.endedAt !== undefined) known.set(r.cell.index, r.endedAt - r.createdAt);
  }
  if (known.size === 0) return { cells: [...cells], note: `longest_first, but run ${last.header.runId} finished no cell: date by date` };
  const ordered = longestFirst(cells, known);
  return { cells: ordered, note: `longest_first: ${known.size} of ${cells.length} cells timed by run ${last.header.runId} (others by their date's mean, else the run's); first ${ordered[0].queryName}` };
}
