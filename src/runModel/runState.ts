import type { Cell } from '../plan/plan';
import type { CellFailure, CellState, FailureKind, RunEvent, RunSummary } from './events';
import { EXIT, exitCodeFor } from './exitCodes';

/** How many cells are in each state. `failed` = `failedCreation` + `failedExecution`. */
export interface StateCounts {
  total: number;
  pending: number;
  waiting: number;
  creating: number;
  active: number;
  succeeded: number;
  failed: number;
  failedCreation: number;
  failedExecution: number;
  cancelled: number;
  notStarted: number;
}

/** The minimum the reducer needs to know of a cell. */
export interface CellKey {
  index: number;
  date: string;
}

/** What is known of one cell of a run. */
export interface CellRecord<C extends CellKey = CellKey> {
  cell: C;
  state: CellState;
  attempt: number;
  serial?: string;
  kind?: FailureKind;
  /** The failure (or the last creation error, or why it was queued again). */
  detail?: string;
  createdAt?: number;
  endedAt?: number;
  /** The query of the final attempt was deleted on the server. */
  deleted?: boolean;
  /** For display, set by consumers (the reducer neither sets nor reads them): the backend's status word, a log file. */
  status?: string;
}

export type RunStatePhase = 'connecting' | 'running' | 'stopping' | 'finished';

/**
 * One run's state, derived from its events and nothing else: a live run and a replayed record give the same state.
 * `applyEvent` mutates it in O(1) per event (counts per run and per date are kept incrementally).
 */
export interface RunState<C extends CellKey = CellKey> {
  runId?: string;
  phase: RunStatePhase;
  cancel: false | 'graceful' | 'forceful';
  resumed: boolean;
  cells: Map<number, CellRecord<C>>;
  /** Dates in plan order, each with its cells in plan order and its counts. */
  dates: string[];
  byDate: Map<string, { cells: CellRecord<C>[]; counts: StateCounts }>;
  counts: StateCounts;
  /** Sessions created (or adopted) so far, every attempt counted. */
  created: number;
  /** Failures in the order they happened (a cell failing twice across a resume counts once: its last). */
  failures: CellFailure<C>[];
  startedAt?: number;
  endedAt?: number;
  exitCode?: number;
}

export function zeroCounts(total = 0): StateCounts {
  return { total, pending: total, waiting: 0, creating: 0, active: 0, succeeded: 0, failed: 0, failedCreation: 0, failedExecution: 0, cancelled: 0, notStarted: 0 };
}

export function createRunState<C extends CellKey>(cells: readonly C[]): RunState<C> {
  const state: RunState<C> = { phase: 'connecting', cancel: false, resumed: false, cells: new Map(), dates: [], byDate: new Map(), counts: zeroCounts(cells.length), created: 0, failures: [] };
  for (const cell of cells) {
    const rec: CellRecord<C> = { cell, state: 'pending', attempt: 0 };
    state.cells.set(cell.index, rec);
    let d = state.byDate.get(cell.date);
    if (!d) {
      state.byDate.set(cell.date, (d = { cells: [], counts: zeroCounts() }));
      state.dates.push(cell.date);
    }
    d.cells.push(rec);
    d.counts.total++;
    d.counts.pending++;
  }
  return state;
}

const SLOT: Record<CellState, keyof StateCounts | undefined> = {
  pending: 'pending',
  'waiting-retry': 'waiting',
  creating: 'creating',
  active: 'active',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  'not-started': 'notStarted',
};

function bump(c: StateCounts, s: CellState, kind: FailureKind | undefined, by: 1 | -1): void {
  c[SLOT[s]!] += by;
  if (s === 'failed') c[kind === 'creation' ? 'failedCreation' : 'failedExecution'] += by;
}

function move<C extends CellKey>(state: RunState<C>, rec: CellRecord<C>, to: CellState, kind?: FailureKind): void {
  const d = state.byDate.get(rec.cell.date)!.counts;
  bump(state.counts, rec.state, rec.kind, -1);
  bump(d, rec.state, rec.kind, -1);
  rec.state = to;
  rec.kind = to === 'failed' ? kind ?? 'execution' : undefined;
  bump(state.counts, to, rec.kind, 1);
  bump(d, to, rec.kind, 1);
}

/** The date whose cells changed, or undefined when the event changed only the run (or nothing). */
export function applyEvent<C extends CellKey>(state: RunState<C>, e: RunEvent): string | undefined {
  switch (e.type) {
    case 'run-started':
      state.runId = e.runId;
      // A resumed run starts afresh: the Stop that ended its last session is over.
      if (e.resumed && state.phase !== 'connecting') state.cancel = false;
      state.phase = state.cancel ? 'stopping' : 'running';
      state.resumed ||= e.resumed;
      state.startedAt ??= e.at;
      return undefined;
    case 'cancel-requested':
      state.cancel = e.stage;
      state.phase = 'stopping';
      return undefined;
    case 'run-finished':
      state.phase = 'finished';
      state.cancel = e.summary.interrupted;
      state.exitCode = e.summary.exitCode;
      state.endedAt = e.at;
      return undefined;
    case 'log':
    case 'cell-status':
      return undefined;
  }
  const rec = state.cells.get(e.cell.index);
  if (!rec) return undefined;
  switch (e.type) {
    case 'cell-creating':
      rec.attempt = Math.max(rec.attempt, e.attempt);
      move(state, rec, 'creating');
      break;
    case 'cell-created':
      rec.attempt = Math.max(rec.attempt, e.attempt);
      rec.serial = e.serial;
      rec.createdAt = e.at;
      rec.deleted = undefined;
      state.created++;
      move(state, rec, 'active');
      break;
    case 'cell-create-failed':
      rec.detail = e.error;
      if (e.retryInMs !== undefined) move(state, rec, 'waiting-retry');
      break;
    case 'cell-requeued':
      rec.detail = e.reason;
      rec.serial = undefined; // the query was refused and deleted: nothing to adopt
      move(state, rec, 'waiting-retry');
      break;
    case 'cell-finished': {
      const again = rec.state === e.outcome && rec.endedAt !== undefined;
      rec.attempt = Math.max(rec.attempt, e.attempt);
      if (e.serial) rec.serial = e.serial;
      else if (e.outcome === 'not-started') rec.serial = undefined;
      if (e.detail !== undefined) rec.detail = e.detail;
      rec.endedAt = e.at;
      if (e.outcome === 'failed') {
        const f: CellFailure<C> = { cell: rec.cell, kind: e.kind ?? 'execution', attempt: e.attempt, detail: e.detail ?? '', ...(e.serial ? { serial: e.serial } : {}) };
        if (again) {
          const i = state.failures.findIndex((x) => x.cell.index === rec.cell.index);
          if (i >= 0) state.failures[i] = f;
          else state.failures.push(f);
        } else state.failures.push(f);
      }
      move(state, rec, e.outcome, e.kind);
      break;
    }
    case 'query-deleted':
      if (rec.serial === e.serial) rec.deleted = true;
      break;
  }
  return rec.cell.date;
}

/** A run that will get no more events (a crash, a record read later): cells not final count as never started. */
export function settleInterrupted<C extends CellKey>(state: RunState<C>): void {
  for (const rec of state.cells.values()) {
    if (rec.state !== 'succeeded' && rec.state !== 'failed' && rec.state !== 'cancelled' && rec.state !== 'not-started') move(state, rec, 'not-started');
  }
  state.phase = 'finished';
}

/** A run's progress in the words every view uses: one function, so "done" means the same everywhere. */
export interface Progress {
  total: number;
  /** Cells in a final state: succeeded, failed, stopped or never started. */
  done: number;
  succeeded: number;
  failed: number;
  /** Being created or running. */
  running: number;
  /** Queued, or waiting to retry. */
  waiting: number;
  /** Stopped by a cancel, or never started: what Resume would run. */
  stopped: number;
  resumable: boolean;
}

export function progressOf(c: StateCounts): Progress {
  const stopped = c.cancelled + c.notStarted;
  return { total: c.total, done: c.succeeded + c.failed + stopped, succeeded: c.succeeded, failed: c.failed, running: c.creating + c.active, waiting: c.pending + c.waiting, stopped, resumable: stopped > 0 };
}

/** The run's summary: its counts and failures from the state, the rest from the engine. */
export function runSummary(state: RunState<Cell>, rest: Pick<RunSummary, 'runId' | 'undeleted' | 'interrupted' | 'budgetExhausted' | 'startedAt' | 'endedAt' | 'forecastMs'>): RunSummary {
  const c = state.counts;
  let exitCode: number = exitCodeFor(c.failedCreation, c.failedExecution);
  if (exitCode === EXIT.SUCCESS && c.succeeded < c.total) exitCode = EXIT.ERROR;
  const { succeeded, failedCreation, failedExecution, cancelled, notStarted } = c;
  return { ...rest, cells: c.total, succeeded, failedCreation, failedExecution, cancelled, notStarted, failures: state.failures, exitCode };
}
