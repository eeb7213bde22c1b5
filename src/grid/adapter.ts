/** The run-state → grid adapter: a run's state as the grid's compact arrays, for the editor's panel and the report. */
import { emptyGrid, setCell, type CellSource, type GridData } from './model';
import type { CellState } from '../runModel/events';
import type { CellRecord, RunState } from '../runModel/runState';
import type { Cell, Plan } from '../plan/plan';

/** A cell's state as the grid's index into STATE_NAMES. */
export const STATE_INDEX: Record<CellState, number> = { pending: 0, 'waiting-retry': 1, creating: 2, active: 3, succeeded: 4, failed: 5, cancelled: 6, 'not-started': 7 };

export interface GridOptions {
  runId: string;
  summary: string;
  live: boolean;
  interactive: boolean;
  /** Epoch ms the strip counts from (the run's start); the first creation when not given. */
  t0?: number;
  now?: number;
}

/** A run's state as the grid draws it: compact arrays over the whole plan (cells a rerun did not cover are absent). */
export function gridData(plan: Plan, state: RunState<Cell>, o: GridOptions): GridData {
  const P = plan.numPartitions;
  // A cell's name is its date row's name for partition 0 without the "_0": one string per date, not per cell.
  const dateKeys = plan.dates.map((_, r) => plan.cells[r * P].queryName.slice(0, -2));
  let t0 = o.t0 ?? state.startedAt ?? Infinity;
  if (!Number.isFinite(t0)) for (const r of state.cells.values()) if (r.createdAt !== undefined && r.createdAt < t0) t0 = r.createdAt;
  if (!Number.isFinite(t0)) t0 = Date.now();
  const g = emptyGrid({
    title: `${plan.name}: run ${o.runId}`,
    runId: o.runId,
    dates: plan.dates,
    partitions: P,
    names: { prefix: '', dateKeys },
    t0,
    now: o.now ?? state.endedAt ?? Date.now(),
    maxConcurrent: plan.concurrency,
    live: o.live,
    summary: o.summary,
    interactive: o.interactive,
  });
  const serials = showsSerials(plan);
  for (const r of state.cells.values()) setCell(g, cellSource(r, serials));
  return g;
}

/** A local run's serials are its own bookkeeping; a Deephaven serial is what a user looks up on the server. */
export function showsSerials(plan: Plan): boolean {
  return plan.config.backend !== 'local';
}

export function cellSource(r: CellRecord<Cell>, withSerial = true): CellSource {
  return { index: r.cell.index, state: STATE_INDEX[r.state], attempt: r.attempt, createdAt: r.createdAt, endedAt: r.endedAt, serial: withSerial ? r.serial : undefined };
}
