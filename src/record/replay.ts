import type { PriorCell, RunEvent, RunSummary } from '../runModel/events';
import { applyEvent, createRunState, runSummary, settleInterrupted, type RunState } from '../runModel/runState';
import type { Cell, Plan } from '../plan/plan';
import * as path from 'node:path';
import { decodeLine, recordedName, type RecordLine } from './format';
import { readRecord, type RecordedRun } from './reader';
import { latestRun, listRuns } from './runs';

/** The cells a recorded run covered: a rerun's subset, or the whole plan. */
export function recordedCells(rec: Pick<RecordedRun, 'header'>, plan: Plan): Cell[] {
  return rec.header.cellIndexes ? rec.header.cellIndexes.flatMap((i) => (plan.cells[i] ? [plan.cells[i]] : [])) : plan.cells;
}

/** A recorded run's state: its lines replayed through the same reducer a live run feeds. */
export function recordedState(rec: RecordedRun, plan: Plan): RunState<Cell> {
  const state = createRunState(recordedCells(rec, plan));
  const cell = (i: number) => plan.cells[i];
  const serialOf = (i: number) => state.cells.get(i)?.serial;
  const apply = (line: RecordLine) => {
    const e = decodeLine(line, cell, rec.header.runId, serialOf);
    if (e) applyEvent(state, e);
  };
  apply(rec.header);
  for (const line of rec.lines) apply(line);
  return state;
}

/**
 * The current plan's cell for each cell index of a recorded run: by index when the run ran this very plan, else by
 * query name through the run's layout (the config or the worker changed since: a cell is what it is, not where it is).
 */
export function recordedCellOf(header: RecordedRun['header'], plan: Plan): (i: number) => Cell | undefined {
  if (header.planHash === plan.hash) return (i) => plan.cells[i];
  const names = new Map(plan.cells.map((c) => [c.queryName, c] as const));
  return (i) => {
    const name = recordedName(header, i);
    return name ? names.get(name) : undefined;
  };
}

/**
 * A run followed as its record grows: the state its lines build, and each line as the event it stands for (the
 * caller applies it, through the same reducer a live run feeds). After the last line, the state equals
 * `recordedState` of the whole record.
 */
export function followedRun(header: RecordedRun['header'], plan: Plan): { state: RunState<Cell>; event(line: RecordLine): RunEvent | undefined } {
  const cellOf = recordedCellOf(header, plan);
  const indexes = header.cellIndexes ?? Array.from({ length: header.cells }, (_, i) => i);
  const cells = header.planHash === plan.hash && !header.cellIndexes ? plan.cells : indexes.flatMap((i) => cellOf(i) ?? []);
  const state = createRunState(cells);
  const serialOf = (i: number) => {
    const c = cellOf(i);
    return c ? state.cells.get(c.index)?.serial : undefined;
  };
  return { state, event: (line) => decodeLine(line, cellOf, header.runId, serialOf) };
}

/** What a resumed run needs to know of each cell an interrupted run touched. */
export function priorCells(state: RunState<Cell>): Map<number, PriorCell> {
  const out = new Map<number, PriorCell>();
  for (const [i, r] of state.cells) {
    const final = r.state === 'succeeded' || r.state === 'failed';
    if (!final && r.attempt === 0 && !r.serial) continue;
    const live = final || r.state === 'active' || r.state === 'creating' || r.state === 'pending';
    out.set(i, {
      attempts: r.attempt,
      ...(final ? { outcome: r.state as 'succeeded' | 'failed' } : {}),
      ...(final && r.kind ? { kind: r.kind } : {}),
      ...(final && r.detail !== undefined ? { detail: r.detail } : {}),
      ...(r.serial && live ? { serial: r.serial } : {}),
      ...(r.deleted ? { deleted: true } : {}),
    });
  }
  return out;
}

/**
 * The newest run under `root` and its state, replayed while the record is read (no line is kept): for a view of a
 * finished run. Undefined when there is none.
 */
export function latestRunState(root: string, plan: Plan): { rec: RecordedRun; state: RunState<Cell> } | undefined {
  let state: RunState<Cell> | undefined;
  let runId = '';
  const cell = (i: number) => plan.cells[i];
  const serialOf = (i: number) => state?.cells.get(i)?.serial;
  const rec = latestRun(root, (line) => {
    if (line.t === 'run') {
      runId = line.runId;
      state = createRunState(recordedCells({ header: line }, plan));
    }
    if (!state) return;
    const e = decodeLine(line, cell, runId, serialOf);
    if (e) applyEvent(state, e);
  });
  return rec && state ? { rec, state } : undefined;
}

/**
 * A config's latest outcome of every cell across its runs: the newest run's, and for the cells it did not cover, the
 * run it reran (`rerunOf`), and so on back to a full run. Cells are matched by query name through each record's
 * layout, so after "fix the worker, rerun the failed cells" the picture is the whole backtest, not the rerun alone.
 * `runs`: the records drawn from, newest first. Undefined when there is no run.
 */
export function latestOutcomes(root: string, plan: Plan): { state: RunState<Cell>; runs: RecordedRun[]; from: Map<number, RecordedRun> } | undefined {
  const dirs = listRuns(root);
  const byId = new Map(dirs.map((d) => [path.basename(d), d] as const));
  const chain: RecordedRun[] = [];
  let next = latestRun(root);
  while (next && chain.length < 1000) {
    chain.push(next);
    const parent = next.header.rerunOf ? byId.get(next.header.rerunOf) : undefined;
    next = parent ? readRecord(parent) : undefined;
  }
  if (chain.length === 0) return undefined;
  const names = new Map(plan.cells.map((c) => [c.queryName, c] as const));
  const state = createRunState(plan.cells);
  // Which run decided each cell (its latest line): a cell's log is that run's.
  const from = new Map<number, RecordedRun>();
  for (const rec of [...chain].reverse()) {
    const same = rec.header.planHash === plan.hash;
    const cell = (i: number) => {
      const name = recordedName(rec.header, i) ?? (same ? plan.cells[i]?.queryName : undefined);
      return name ? names.get(name) : undefined;
    };
    const serialOf = (i: number) => {
      const c = cell(i);
      return c ? state.cells.get(c.index)?.serial : undefined;
    };
    // Cell lines only: each run moves its own cells; the composed state is not any one run.
    for (const line of rec.lines) {
      if (!('i' in line)) continue;
      const e = decodeLine(line, cell, rec.header.runId, serialOf);
      if (!e) continue;
      applyEvent(state, e);
      const c = cell(line.i);
      if (c) from.set(c.index, rec);
    }
  }
  return { state, runs: chain, from };
}

/**
 * A recorded run's summary, derived once for every face (the CLI's --report, the editor's Run Grid and tree): its
 * counts and failures from the replayed state (cells left running by an interrupted run settled as not started),
 * the rest from its header and end line. `runs`: newest first (one run, or the chain `latestOutcomes` composed).
 */
export function recordedSummary(state: RunState<Cell>, runs: readonly RecordedRun[]): RunSummary {
  const last = runs[0];
  settleInterrupted(state);
  return runSummary(state, {
    runId: last.header.runId,
    undeleted: [],
    interrupted: last.ended?.summary.interrupted ?? false,
    budgetExhausted: last.ended?.summary.budgetExhausted ?? false,
    startedAt: runs[runs.length - 1].header.at,
    endedAt: last.ended?.at ?? last.header.at,
    ...(last.ended?.summary.forecastMs !== undefined ? { forecastMs: last.ended.summary.forecastMs } : {}),
  });
}
