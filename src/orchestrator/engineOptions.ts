import type { Controller } from '../controllers/controller';
import type { Cell, Plan } from '../plan/plan';
import type { PriorCell } from '../runModel/events';
import type { RetryTiming } from './policy';
import type { StallTiming } from './stall';

export interface EngineTiming extends RetryTiming, StallTiming {
  /** Wait before a cell refused for lack of capacity is tried again. */
  capacityRequeueMs: number;
  /** How long to wait for a stopped query to report a final state before freeing its slot anyway. */
  stopGraceMs: number;
  /** How long a forceful cancel waits for stop and delete calls. */
  forceTimeoutMs: number;
}

export const DEFAULT_TIMING: EngineTiming = {
  retryBaseMs: 1000,
  retryMaxMs: 30_000,
  capacityRequeueMs: 5000,
  stallIterationMs: 5000,
  stallIterations: 10,
  startupStallIterations: 30,
  stopGraceMs: 60_000,
  forceTimeoutMs: 15_000,
};

export interface EngineOptions {
  plan: Plan;
  controller: Controller;
  runId: string;
  /** The forecast wall time, for the summary to compare with (`forecast … took …`). */
  forecastMs?: number;
  /** Run only these cells (rerun of failed cells); default all. */
  cells?: readonly Cell[];
  /** The order cells start in (execution.order); default plan order. The same cells as `cells`. */
  order?: readonly Cell[];
  prior?: ReadonlyMap<number, PriorCell>;
  timing?: Partial<EngineTiming>;
  random?: () => number;
  now?: () => number;
}

/** A cell's bookkeeping in this run. */
export interface CellRun {
  cell: Cell;
  /** Attempts begun for this cell (each creation try, each requeue). */
  attempts: number;
  /** Creation failures in a row, for max_retries. */
  createFailures: number;
  /** This run called create for the cell and never learnt whether the server made the query (a lost reply). */
  unsureCreate?: boolean;
}
