import * as path from 'node:path';
import type { CellState, RunEvent, RunSummary } from '../../orchestrator/events';
import type { Cell, Plan } from '../../plan/plan';
import { RECORD_FILE, type RecordedRun } from '../../record/record';

/** What the tree shows of one cell. */
export interface CellView {
  cell: Cell;
  state: CellState;
  attempt: number;
  serial?: string;
  status?: string;
  detail?: string;
  logFile?: string;
  createdAt?: number;
  endedAt?: number;
}

export interface DateCounts {
  total: number;
  succeeded: number;
  failed: number;
  active: number;
  pending: number;
}

export type RunPhase = 'connecting' | 'running' | 'stopping' | 'finished';

export interface RunView {
  id: string;
  name: string;
  configFile: string;
  workerScript: string;
  mode: Plan['mode'];
  backend: string;
  phase: RunPhase;
  startedAt: number;
  summary?: RunSummary;
  recordFile?: string;
  dates: string[];
  cellsByDate: Map<string, CellView[]>;
  byIndex: Map<number, CellView>;
}

/** A change: the run, and the dates whose cells changed (empty: the run itself only). */
export interface StoreChange {
  run: RunView;
  dates: Set<string>;
  structure: boolean;
}

/**
 * The runs the extension knows and the state of each cell, built from run events. No `vscode` here: the tree,
 * the status bar and the tests read it; changes are reported as which run and which dates changed.
 */
export class RunStore {
  readonly runs: RunView[] = [];
  private readonly listeners = new Set<(c: StoreChange) => void>();

  onDidChange(listener: (c: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(run: RunView, dates: Set<string>, structure = false): void {
    for (const l of this.listeners) l({ run, dates, structure });
  }

  addRun(plan: Plan, id: string, cells: readonly Cell[] = plan.cells): RunView {
    const run = this.build(plan, id, cells);
    this.runs.unshift(run);
    this.emit(run, new Set(), true);
    return run;
  }

  private build(plan: Plan, id: string, cells: readonly Cell[]): RunView {
    const run: RunView = {
      id,
      name: plan.name,
      configFile: plan.config.file,
      workerScript: plan.config.execution.worker_script,
      mode: plan.mode,
      backend: plan.config.backend,
      phase: 'connecting',
      startedAt: Date.now(),
      dates: [],
      cellsByDate: new Map(),
      byIndex: new Map(),
    };
    for (const cell of cells) {
      const v: CellView = { cell, state: 'pending', attempt: 0 };
      let list = run.cellsByDate.get(cell.date);
      if (!list) {
        run.cellsByDate.set(cell.date, (list = []));
        run.dates.push(cell.date);
      }
      list.push(v);
      run.byIndex.set(cell.index, v);
    }
    return run;
  }

  /** A run known from its record on disk: finished cells as recorded, the rest as never started. */
  addRecorded(plan: Plan, rec: RecordedRun, logFileOf: (queryName: string, serial: string) => string | undefined): RunView {
    const cells = rec.header.cellIndexes?.map((i) => plan.cells[i]) ?? plan.cells;
    const run = this.build(plan, rec.header.runId, cells);
    run.phase = 'finished';
    run.startedAt = rec.header.at;
    run.recordFile = path.join(rec.dir, RECORD_FILE);
    for (const v of run.byIndex.values()) {
      const c = rec.cells.get(v.cell.index);
      if (!c) {
        v.state = 'not-started';
        continue;
      }
      v.state = c.outcome === 'succeeded' || c.outcome === 'failed' ? c.outcome : 'not-started';
      v.attempt = c.attempts;
      v.serial = c.serial;
      v.detail = c.detail;
      if (c.serial) v.logFile = logFileOf(v.cell.queryName, c.serial);
    }
    this.runs.push(run);
    this.emit(run, new Set(), true);
    return run;
  }

  setPhase(run: RunView, phase: RunPhase): void {
    run.phase = phase;
    this.emit(run, new Set());
  }

  /** Applies one engine event. `logFileOf` finds a local attempt's log file. */
  apply(run: RunView, e: RunEvent, logFileOf?: (serial: string) => string | undefined): void {
    if (e.type === 'run-started') return this.setPhase(run, 'running');
    if (e.type === 'run-finished') {
      run.summary = e.summary;
      run.phase = 'finished';
      return this.emit(run, new Set());
    }
    if (e.type === 'cancel-requested') return this.setPhase(run, 'stopping');
    if (!('cell' in e)) return;
    const v = run.byIndex.get(e.cell.index);
    if (!v) return;
    switch (e.type) {
      case 'cell-creating':
        v.state = 'creating';
        v.attempt = e.attempt;
        break;
      case 'cell-created':
        v.state = 'active';
        v.attempt = e.attempt;
        v.serial = e.serial;
        v.status = undefined;
        v.createdAt = e.at;
        v.logFile = logFileOf?.(e.serial);
        break;
      case 'cell-status':
        if (v.serial !== e.serial) return;
        v.status = e.status;
        break;
      case 'cell-create-failed':
        v.detail = e.error;
        v.state = e.retryInMs !== undefined ? 'waiting-retry' : v.state;
        break;
      case 'cell-requeued':
        v.state = 'waiting-retry';
        v.detail = e.reason;
        break;
      case 'cell-finished':
        v.state = e.outcome;
        v.attempt = Math.max(v.attempt, e.attempt);
        if (e.serial) v.serial = e.serial;
        if (e.detail) v.detail = e.detail;
        if (e.serial && !v.logFile) v.logFile = logFileOf?.(e.serial);
        v.endedAt = e.at;
        break;
      default:
        return;
    }
    this.emit(run, new Set([v.cell.date]));
  }

  counts(run: RunView, date?: string): DateCounts {
    const cells = date ? run.cellsByDate.get(date) ?? [] : [...run.byIndex.values()];
    const c: DateCounts = { total: cells.length, succeeded: 0, failed: 0, active: 0, pending: 0 };
    for (const v of cells) {
      if (v.state === 'succeeded') c.succeeded++;
      else if (v.state === 'failed') c.failed++;
      else if (v.state === 'active' || v.state === 'creating') c.active++;
      else if (v.state === 'pending' || v.state === 'waiting-retry') c.pending++;
    }
    return c;
  }

  failures(): number {
    let n = 0;
    for (const r of this.runs) if (r === this.runs[0] || r.phase !== 'finished') n += this.counts(r).failed;
    return n;
  }

  find(id: string): RunView | undefined {
    return this.runs.find((r) => r.id === id);
  }

  remove(run: RunView): void {
    const i = this.runs.indexOf(run);
    if (i >= 0) this.runs.splice(i, 1);
    this.emit(run, new Set(), true);
  }
}
