import * as path from 'node:path';
import type { Controller } from '../controllers/controller';
import { openController } from '../controllers/open';
import type { Cell, Plan } from '../plan/plan';
import * as fs from 'node:fs';
import { acquireRunLock, configLockDir, type RunLock } from '../record/lock';
import { fsReason, nearestExisting } from '../util/fsErrors';
import { DamagedRecordError, latestRun, newRunId, recordedName, recordHeader, runsRoot, type RecordedRun, type RecordLine } from '../record/record';
import { RecordWriter, type RecordWriteError } from '../record/writer';
import { priorCells, recordedState } from '../record/replay';
import { Engine, type EngineTiming, type PriorCell } from './engine';
import { cellOrder } from './cellOrder';
import { EXIT } from './exitCodes';
import type { RunSummary } from './events';
import type { LogFn } from '../util/log';

/**
 * `resume`: continue the interrupted run unchanged (same run id, same config and script). `rerun-failed` and
 * `rerun-remaining`: a new run, with the config and worker script as they are now, of the last run's failed cells
 * (or of every cell it did not finish with success), matched by query name.
 */
export type RunMode = 'new' | 'resume' | 'rerun-failed' | 'rerun-remaining';
export type { LogFn } from '../util/log';

/** What a run will be, decided from the plan and the config's earlier runs. */
export type Preparation =
  | { kind: 'ready'; runId: string; runDir: string; cells?: readonly Cell[]; prior?: Map<number, PriorCell>; header?: RecordLine; note?: string; warnings?: string[] }
  | { kind: 'stop'; exitCode: number; level: 'info' | 'error'; message: string; /** Another run of this config holds the lock. */ busy?: boolean; /** What to offer instead. */ offer?: RunMode };

export function prepareRun(plan: Plan, mode: RunMode, runDirOption?: string, only?: readonly string[]): Preparation {
  const root = runsRoot(plan.config.file, plan.name, runDirOption);
  const runId = newRunId();
  if (mode === 'new' && only) return selected(plan, only, runId, path.join(root, runId));
  if (mode === 'new') return { kind: 'ready', runId, runDir: path.join(root, runId) };
  let last;
  try {
    last = latestRun(root);
  } catch (e) {
    if (!(e instanceof DamagedRecordError)) throw e;
    return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `${e.message}; nothing was started` };
  }
  const verb = mode === 'resume' ? 'resume' : 'rerun';
  if (!last) return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `no earlier run of ${plan.name} under ${root}; nothing to ${verb}` };
  const warnings = [...last.warnings];
  if (mode !== 'resume') return again(plan, last, mode, runId, root, warnings);
  if (last.header.planHash !== plan.hash) {
    return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', offer: 'rerun-remaining', message: `the config or worker script changed since run ${last.header.runId}, and resuming continues a run unchanged; its remaining cells can run with the config and script as they are now` };
  }
  warnStrays(plan, last, warnings);
  const bad = last.header.cellIndexes?.find((i) => i >= plan.cells.length);
  if (bad !== undefined) return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `the run record of ${last.header.runId} lists cell ${bad}, which the plan does not have; it cannot be resumed` };
  const state = recordedState(last, plan);
  const final = state.counts.succeeded + state.counts.failed;
  if (last.ended && final >= last.header.cells) {
    return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `run ${last.header.runId} already finished: every cell ran (exit code ${last.ended.exitCode}); use --rerun-failed to run its failed cells again` };
  }
  const cells = last.header.cellIndexes?.map((i) => plan.cells[i]);
  return { kind: 'ready', runId: last.header.runId, runDir: last.dir, cells, prior: priorCells(state), warnings };
}

/** Lines naming cells the plan does not have cannot come from this plan's runs: each is named once, and ignored. */
function warnStrays(plan: Plan, last: RecordedRun, warnings: string[]): void {
  const strays = new Set<number>();
  for (const l of last.lines) if ('i' in l && l.i >= plan.cells.length) strays.add(l.i);
  for (const i of strays) warnings.push(`the record of run ${last.header.runId} names cell ${i}, but the plan has ${plan.cells.length} cells; ignored`);
}

/**
 * A new run of the last run's failed cells (`rerun-failed`) or of every cell it did not finish with success
 * (`rerun-remaining`), with the config and script as they are now: what the user fixed is what runs. Cells are
 * matched by query name (from the record's layout), so a cell no longer in the plan is named and left out.
 */
function again(plan: Plan, last: RecordedRun, mode: 'rerun-failed' | 'rerun-remaining', runId: string, root: string, warnings: string[]): Preparation {
  const byIndex = new Map<number, Cell>();
  const sameShape = last.header.planHash === plan.hash;
  if (!last.header.layout && !sameShape) {
    return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `run ${last.header.runId} was recorded by an earlier version without its dates and partitions, and the config or worker script changed since; start a new run` };
  }
  if (sameShape) warnStrays(plan, last, warnings);
  const state = sameShape ? recordedState(last, plan) : undefined;
  // The last run's outcome of each of its cells, by recorded index (a later line of a resumed run wins).
  const outcome = new Map<number, string>();
  for (const i of last.header.cellIndexes ?? Array.from({ length: last.header.cells }, (_, k) => k)) outcome.set(i, 'not-started');
  if (state) for (const c of state.cells.values()) outcome.set(c.cell.index, c.state);
  else for (const l of last.lines) if (l.t === 'finished') outcome.set(l.i, l.o === 'cancelled' ? 'cancelled' : l.o);
  const wanted = [...outcome].filter(([, o]) => (mode === 'rerun-failed' ? o === 'failed' : o !== 'succeeded')).map(([i]) => i).sort((a, b) => a - b);
  const what = mode === 'rerun-failed' ? 'failed' : 'unfinished';
  if (wanted.length === 0) return { kind: 'stop', exitCode: EXIT.SUCCESS, level: 'info', message: `run ${last.header.runId} has no ${what} cells; nothing to rerun` };
  const names = new Map(plan.cells.map((c) => [c.queryName, c] as const));
  const gone: string[] = [];
  for (const i of wanted) {
    const name = sameShape ? plan.cells[i]?.queryName : recordedName(last.header, i);
    const cell = name ? names.get(name) : undefined;
    if (cell) byIndex.set(cell.index, cell);
    else gone.push(name ?? `cell ${i}`);
  }
  if (gone.length) warnings.push(`${gone.length} ${what} cell${gone.length === 1 ? ' is' : 's are'} no longer in ${plan.name} as the config is now, and ${gone.length === 1 ? 'was' : 'were'} left out: ${gone.slice(0, 5).join(', ')}${gone.length > 5 ? ', ...' : ''}`);
  const cells = [...byIndex.values()].sort((a, b) => a.index - b.index);
  if (cells.length === 0) return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `none of the ${wanted.length} ${what} cells of run ${last.header.runId} is in ${plan.name} as the config is now; nothing was started` };
  const cellIndexes = cells.map((c) => c.index);
  const changed = sameShape ? '' : ' with the config and worker script as they are now';
  return {
    kind: 'ready',
    runId,
    runDir: path.join(root, runId),
    cells,
    header: recordHeader(plan, runId, { cellIndexes, rerunOf: last.header.runId }),
    note: `rerunning ${cells.length} ${what} cell${cells.length === 1 ? '' : 's'} of run ${last.header.runId}${changed}`,
    warnings,
  };
}

/** A new run of some cells only (the grid's "Rerun selected"), named by query name, checked against the plan as it is. */
function selected(plan: Plan, names: readonly string[], runId: string, runDir: string): Preparation {
  const wanted = new Set(names);
  const cells = plan.cells.filter((c) => wanted.has(c.queryName));
  const missing = wanted.size - cells.length;
  const warnings = missing ? [`${missing} selected cell${missing === 1 ? ' is' : 's are'} not in ${plan.name} as the config is now; ${missing === 1 ? 'it was' : 'they were'} left out`] : [];
  if (cells.length === 0) return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `none of the ${wanted.size} selected cells is in ${plan.name} as the config is now; nothing was started` };
  const cellIndexes = cells.map((c) => c.index);
  return { kind: 'ready', runId, runDir, cells, header: recordHeader(plan, runId, { cellIndexes }), note: `running ${cells.length} selected cell${cells.length === 1 ? '' : 's'}`, warnings };
}

export interface SessionOptions {
  mode: RunMode;
  /** With mode 'new': only the cells with these query names. */
  only?: readonly string[];
  runDir?: string;
  log: LogFn;
  timing?: Partial<EngineTiming>;
  /** Aborts connecting (before the engine exists). */
  signal?: AbortSignal;
}

/**
 * One run from start to end, for the CLI and the extension alike: prepares it from the record, connects the
 * backend, writes the record (only once the backend is ready, so a refused login leaves nothing to resume), and
 * drives the engine. Consumers subscribe to `engine` events before calling `run()`.
 */
export class RunSession {
  private constructor(
    readonly plan: Plan,
    readonly engine: Engine,
    readonly controller: Controller,
    readonly record: RecordWriter,
    readonly runId: string,
    readonly runDir: string,
    private readonly lock: RunLock,
  ) {}

  static async open(plan: Plan, options: SessionOptions): Promise<RunSession | Extract<Preparation, { kind: 'stop' }>> {
    const root = runsRoot(plan.config.file, plan.name, options.runDir);
    const unwritable = folderProblem(root);
    if (unwritable) return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `not started: the run folder ${unwritable}` };
    let locked;
    try {
      locked = acquireRunLock(configLockDir(plan.config.file, plan.name));
    } catch (e) {
      // The config's folder may be read-only (a shared checkout) while runs go elsewhere: lock the run folder then.
      options.log('warning', `cannot lock in the config's folder (${fsReason(e)}); locking the run folder instead: runs of this config that write to another --run-dir are not kept apart`);
      try {
        locked = acquireRunLock(root);
      } catch (e2) {
        return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `cannot take the run lock in ${root}: it ${fsReason(e2)}` };
      }
    }
    if (!locked.ok) return { kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `not started: ${locked.message}`, busy: true };
    const lock = locked.lock;
    if (locked.tookOverFrom) options.log('warning', `took over the lock of an earlier run that no longer runs (pid ${locked.tookOverFrom.pid}, started ${new Date(locked.tookOverFrom.startedAt).toISOString()})`);
    const stop = (result: Extract<Preparation, { kind: 'stop' }>) => {
      lock.release();
      return result;
    };
    const prep = prepareRun(plan, options.mode, options.runDir, options.only);
    if (prep.kind === 'stop') return stop(prep);
    // Learnt from the runs before this one: computed before this run's record exists.
    const order = cellOrder(plan, runsRoot(plan.config.file, plan.name, options.runDir), prep.cells ?? plan.cells);
    if (plan.config.execution.order !== 'dates') options.log('info', `order: ${order.note}`);
    for (const w of prep.warnings ?? []) options.log('warning', w);
    if (prep.note) options.log('info', prep.note);
    let controller: Controller;
    try {
      controller = await openController(plan, { runDir: prep.runDir, signal: options.signal, log: options.log });
    } catch (e) {
      return stop({ kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: (e as Error).message });
    }
    let record: RecordWriter;
    try {
      record = new RecordWriter(prep.runDir, plan.config.secrets);
      record.append(prep.prior ? { t: 'resume', at: Date.now() } : (prep.header ?? recordHeader(plan, prep.runId)));
    } catch (e) {
      await controller.close();
      return stop({ kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `cannot write the run record in ${prep.runDir}: ${(e as Error).message}` });
    }
    if (record.repairedTornLine) options.log('warning', `the record ${record.file} ended in a torn line (the run was killed while writing it); it is skipped, and this run continues on a fresh line`);
    const engine = new Engine({ plan, controller, runId: prep.runId, cells: prep.cells, order: order.cells, prior: prep.prior, timing: options.timing });
    const session = new RunSession(plan, engine, controller, record, prep.runId, prep.runDir, lock);
    // A record that cannot be written (disk full, a file-size limit) stops the run as a first Ctrl+C does: nothing new
    // starts, what runs finishes; the record keeps whole lines only, so --resume continues from what it says.
    const failed = (err: unknown) => {
      if (session.recordError) return;
      session.recordError = err as Error;
      options.log('error', `${(err as Error).message}; stopping the run: no new cells start, running ones finish (--resume continues once there is room)`);
      engine.cancel();
    };
    record.onError = failed;
    engine.on((e) => {
      try {
        record.onEvent(e);
      } catch (err) {
        failed(err);
      }
    });
    return session;
  }

  recordError: Error | undefined;

  get recordFile(): string {
    return this.record.file;
  }

  /** Runs to the end; closes the record and the backend whatever happens. */
  async run(): Promise<RunSummary> {
    try {
      return await this.engine.run();
    } finally {
      try {
        this.record.close();
      } catch (e) {
        this.record.onError?.(e as RecordWriteError);
      }
      await this.controller.close();
      this.lock.release();
    }
  }

  /** The exit code, counting a record that could not be written as an error. */
  exitCode(summary: RunSummary): number {
    return this.recordError ? EXIT.ERROR : summary.exitCode;
  }
}

/** Why runs cannot be written under `root` (checked before anything starts), or undefined. */
function folderProblem(root: string): string | undefined {
  const near = nearestExisting(root, fs.existsSync);
  try {
    if (!fs.statSync(near).isDirectory()) return `${root} cannot be made: ${near} is not a folder`;
    fs.accessSync(near, fs.constants.W_OK);
    return undefined;
  } catch (e) {
    return `${near === root ? root : `${root} cannot be made: ${near}`} ${fsReason(e)}`;
  }
}
