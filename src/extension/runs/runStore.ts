import * as path from 'node:path';
import type { RunEvent, RunSummary } from '../../runModel/events';
import { applyEvent, createRunState, type CellRecord, type RunState, type RunStatePhase } from '../../runModel/runState';
import type { Cell, Plan } from '../../plan/plan';
import { RECORD_FILE } from '../../record/format';
import type { RecordedRun } from '../../record/reader';
import { recordedState, recordedSummary } from '../../record/replay';
import type { RunSession } from '../../session/session';
import type { RunOwner } from '../../record/owner';

/** What the tree shows of one cell: the run state's record of it (with its status word and log file). */
export type CellView = CellRecord<Cell>;

export interface DateCounts {
  total: number;
  succeeded: number;
  failed: number;
  active: number;
  pending: number;
}

export type RunPhase = RunStatePhase;

export interface RunView {
  id: string;
  name: string;
  configFile: string;
  workerScript: string;
  mode: Plan['mode'];
  backend: string;
  /** Read from the state (no copies): the phase, the start (the run's first event), the dates and the cells. */
  readonly phase: RunPhase;
  readonly startedAt: number;
  summary?: RunSummary;
  recordFile?: string;
  /** The run's state, from the run-state reducer: every count the views show is read from it. */
  state: RunState<Cell>;
  /** The state is the engine's own (a live run in this window): the engine applies each event, the store does not. */
  shared?: boolean;
  /** The plan the run ran (the grid draws the whole plan; a rerun covers some of its cells). */
  plan: Plan;
  readonly dates: string[];
  readonly byIndex: Map<number, CellView>;
  /** Where a cell's worker log is, for the backends that write one (a local worker's), found when it is opened. */
  logOf?: (queryName: string, serial: string) => string | undefined;
  /** The time a live run has left (when the last run of its plan gave a forecast). */
  timeLeft?: () => number | undefined;
  /** Who runs it, from its record (a run this window runs has none: it is the window's own). */
  owner?: RunOwner;
  /** Followed through its record, as another process writes it. */
  attached?: boolean;
  /** Its owner went away before it ended (a closed window, kill -9): resumable, never again live. */
  interrupted?: boolean;
  /** What the notice of its interruption said (how far it got; for a server run, what still runs there): in its tooltip while it is interrupted. */
  interruptedNote?: string;
  /**
   * The config's latest outcome of every cell across this run and the runs it reran, when a config's grid composed
   * it: the cells this run did not run are read, and their logs found, from the run that decided them.
   */
  latest?: { state: RunState<Cell>; runOf(cell: number): string | undefined; logOf(v: CellView): string | undefined };
}

/** A cell's worker log file, where its backend writes one (a local worker's), resolved as it is opened. */
export function logFileOf(run: RunView, v: CellView): string | undefined {
  return v.serial ? run.logOf?.(v.cell.queryName, v.serial) : undefined;
}

/** A change: the run, and the dates whose cells changed (empty: the run itself only). */
export interface StoreChange {
  run: RunView;
  dates: Set<string>;
  structure: boolean;
  /** The run left the store: views release what they hold for it. */
  removed?: boolean;
  /** The cell whose state changed, when one did (the grid sends only changed cells). */
  cell?: number;
}

/**
 * The runs the extension knows. Each run's state comes from the same reducer the engine and the record use; no
 * `vscode` here: the tree, the status bar and the tests read it; changes are reported as which run and which dates.
 */
export class RunStore {
  readonly runs: RunView[] = [];
  private readonly listeners = new Set<(c: StoreChange) => void>();

  onDidChange(listener: (c: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Names what changed: the run alone (no argument), its rows (`structure`), dates and a cell, or its leaving. */
  private emit(run: RunView, what: { dates?: string[]; structure?: boolean; removed?: boolean; cell?: number } = {}): void {
    const change: StoreChange = { run, dates: new Set(what.dates), structure: Boolean(what.structure), ...(what.removed ? { removed: true } : {}), ...(what.cell !== undefined ? { cell: what.cell } : {}) };
    for (const l of this.listeners) l(change);
  }

  /**
   * A run this window starts: `engineState` is the engine's own run state, which the engine has already brought up
   * to date when its listeners see an event; the view reads it instead of keeping a second copy (one reducer pass and
   * one state per event and cell, not two).
   */
  addRun(plan: Plan, id: string, cells: readonly Cell[] = plan.cells, engineState?: RunState<Cell>): RunView {
    const run = this.build(plan, id, engineState ?? createRunState(cells));
    if (engineState) run.shared = true;
    // A resumed run keeps its run id: it replaces the interrupted run's row instead of showing twice.
    const old = this.find(id);
    if (old) this.remove(old);
    this.runs.unshift(run);
    this.emit(run, { structure: true });
    return run;
  }

  /** A run this window runs: the view reads the engine's state, finds logs through the controller, says the time left. */
  addLive(session: RunSession): RunView {
    const view = this.addRun(session.plan, session.runId, session.engine.cells, session.engine.state);
    view.recordFile = session.recordFile;
    view.timeLeft = () => session.timeLeft?.left(session.engine.state, Date.now());
    view.logOf = (_name, serial) => session.controller.logFile?.(serial);
    return view;
  }

  private build(plan: Plan, id: string, state: RunState<Cell>, startedAt = Date.now()): RunView {
    return {
      id,
      name: plan.name,
      configFile: plan.config.file,
      workerScript: plan.config.execution.worker_script,
      mode: plan.mode,
      backend: plan.config.backend,
      get phase() {
        return state.phase;
      },
      get startedAt() {
        return state.startedAt ?? startedAt;
      },
      state,
      plan,
      get dates() {
        return state.dates;
      },
      get byIndex() {
        return state.cells;
      },
    };
  }

  /** A run known from its record on disk, replayed through the run-state reducer; cells not final never ran. */
  addRecorded(plan: Plan, rec: RecordedRun, logFileOf: (queryName: string, serial: string) => string | undefined, replayed?: RunState<Cell>): RunView {
    const state = replayed ?? recordedState(rec, plan);
    const summary = recordedSummary(state, [rec]); // the CLI's --report derives the same
    const run = this.build(plan, rec.header.runId, state, rec.header.at);
    run.summary = summary;
    run.logOf = logFileOf;
    run.recordFile = path.join(rec.dir, RECORD_FILE);
    this.runs.push(run);
    this.emit(run, { structure: true });
    return run;
  }

  /**
   * A run another process runs, followed through its record (`state`: built from its lines as they come, through
   * `apply`, the path a live run's events take). It replaces a view of the same run (one run shown once).
   */
  addAttached(plan: Plan, header: RecordedRun['header'], state: RunState<Cell>, where: { recordFile: string; owner?: RunOwner; logOf: RunView['logOf'] }): RunView {
    const run = this.build(plan, header.runId, state, header.at);
    Object.assign(run, { ...where, attached: true });
    const old = this.find(header.runId);
    if (old) this.remove(old);
    this.runs.unshift(run);
    this.emit(run, { structure: true });
    return run;
  }

  /** Says a run changed without an event (it was attached, detached or interrupted). */
  touch(run: RunView): void {
    this.emit(run);
  }

  /** Applies one engine event (to the view's own state unless the engine applies it to the state they share). */
  apply(run: RunView, e: RunEvent): void {
    const date = run.shared ? changedDate(run.state, e) : applyEvent(run.state, e);
    if (e.type === 'run-finished') run.summary = e.summary;
    if (e.type === 'cell-status' || e.type === 'cell-created' || e.type === 'cell-finished') {
      const v = run.byIndex.get(e.cell.index);
      if (!v) return;
      if (e.type === 'cell-status') {
        if (v.serial !== e.serial) return;
        v.status = e.status;
      } else if (e.type === 'cell-created') v.status = undefined;
      return this.emit(run, { dates: [e.cell.date], cell: e.cell.index });
    }
    if (date) this.emit(run, { dates: [date], ...('cell' in e ? { cell: e.cell.index } : {}) });
    else if (e.type === 'run-started' || e.type === 'run-finished' || e.type === 'cancel-requested') this.emit(run);
  }

  /** O(1): read from the run state's counts. */
  counts(run: RunView, date?: string): DateCounts {
    const c = date ? run.state.byDate.get(date)?.counts : run.state.counts;
    if (!c) return { total: 0, succeeded: 0, failed: 0, active: 0, pending: 0 };
    return { total: c.total, succeeded: c.succeeded, failed: c.failed, active: c.active + c.creating, pending: c.pending + c.waiting };
  }

  /** Cells of a date, in plan order. */
  cellsOf(run: RunView, date: string): readonly CellView[] {
    return run.state.byDate.get(date)?.cells ?? [];
  }

  failures(): number {
    let n = 0;
    for (const r of this.runs) if (r === this.runs[0] || r.phase !== 'finished') n += r.state.counts.failed;
    return n;
  }

  find(id: string): RunView | undefined {
    return this.runs.find((r) => r.id === id);
  }

  remove(run: RunView): void {
    const i = this.runs.indexOf(run);
    if (i >= 0) this.runs.splice(i, 1);
    this.emit(run, { structure: true, removed: true });
  }
}

/** The date an event changed in a state the engine already applied it to (what applyEvent would have returned). */
function changedDate(state: RunState<Cell>, e: RunEvent): string | undefined {
  if (!('cell' in e) || e.type === 'cell-status') return undefined;
  return state.cells.has(e.cell.index) ? e.cell.date : undefined;
}
