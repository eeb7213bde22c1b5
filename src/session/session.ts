import type { Controller } from '../controllers/controller';
import { openController } from './openController';
import type { Plan } from '../plan/plan';
import * as fs from 'node:fs';
import { acquireRunLock, configLockDir, type RunLock } from '../record/lock';
import { runOwner, StopRequests, type OwnerKind } from '../record/owner';
import { fsReason, nearestExisting } from '../util/fsErrors';
import { recordHeader, type RecordLine } from '../record/format';
import { runsRoot } from '../record/runs';
import { RecordWriter, type RecordWriteError } from '../record/writer';
import { Engine } from '../orchestrator/engine';
import type { EngineTiming } from '../orchestrator/engineOptions';
import { prepareRun, type Preparation, type RunMode } from './prepare';
import { cellOrder, learnedDurations } from './cellOrder';
import { forecast, forecastText } from '../plan/forecast';
import { TimeLeft } from '../runModel/timeLeft';
import { EXIT } from '../runModel/exitCodes';
import type { RunSummary } from '../runModel/events';
import type { LogFn } from '../util/log';

export interface SessionOptions {
  mode: RunMode;
  /** With mode 'new': only the cells with these query names. */
  only?: readonly string[];
  runDir?: string;
  log: LogFn;
  timing?: Partial<EngineTiming>;
  /** Aborts connecting (before the engine exists). */
  signal?: AbortSignal;
  /** What runs it (written in the record with the lock's holder, for editors that attach to it). Default 'cli'. */
  via?: OwnerKind;
}

/**
 * One run from start to end, for the CLI and the extension alike: prepares it from the record, connects the
 * backend, writes the record (only once the backend is ready, so a refused login leaves nothing to resume), and
 * drives the engine. Consumers subscribe to `engine` events before calling `run()`.
 */
export class RunSession {
  /** The time the run has left, when the last run of this plan gave a forecast. */
  timeLeft: TimeLeft | undefined;

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
    const learned = learnedDurations(plan, root);
    const order = cellOrder(plan, root, prep.cells ?? plan.cells, learned);
    if (plan.config.execution.order !== 'dates') options.log('info', `order: ${order.note}`);
    // A resumed run continues where it was: a forecast of the whole plan would not be its own.
    const f = prep.prior || 'why' in learned ? undefined : forecast(order.cells, learned.known, plan.concurrency, { runId: learned.run.header.runId, at: learned.run.header.at });
    if (f) options.log('info', `forecast: ${forecastText(f)}`);
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
      const owner = runOwner(lock.holder, options.via ?? 'cli');
      record.append(prep.prior ? { t: 'resume', owner, at: Date.now() } : { ...(prep.header ?? recordHeader(plan, prep.runId)), owner } as RecordLine);
    } catch (e) {
      await controller.close();
      return stop({ kind: 'stop', exitCode: EXIT.ERROR, level: 'error', message: `cannot write the run record in ${prep.runDir}: ${(e as Error).message}` });
    }
    if (record.repairedTornLine) options.log('warning', `the record ${record.file} ended in a torn line (the run was killed while writing it); it is skipped, and this run continues on a fresh line`);
    const engine = new Engine({ plan, controller, runId: prep.runId, cells: prep.cells, order: order.cells, prior: prep.prior, timing: options.timing, ...(f ? { forecastMs: f.wallMs } : {}) });
    const session = new RunSession(plan, engine, controller, record, prep.runId, prep.runDir, lock);
    if (f && !('why' in learned)) {
      const left = new TimeLeft(order.cells, learned.known, plan.concurrency);
      engine.on((e) => left.onEvent(engine.state, e));
      session.timeLeft = left;
    }
    // A record that cannot be written (disk full, a file-size limit) stops the run as a first Ctrl+C does: nothing new
    // starts, what runs finishes; the record keeps whole lines only, so --resume continues from what it says.
    const failed = (err: unknown) => {
      if (session.recordError) return;
      session.recordError = err as Error;
      options.log('error', `${(err as Error).message}; stopping the run: no new cells start, running ones finish (--resume continues once there is room)`);
      engine.cancel();
    };
    record.onError = failed;
    // Stop from an editor or another host: a line in the run folder, taken as Ctrl+C in the owner's terminal is.
    session.stops = new StopRequests(prep.runDir, (from) => {
      options.log('warning', `stop requested by ${from}`);
      engine.cancel();
    });
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
  private stops: StopRequests | undefined;

  get recordFile(): string {
    return this.record.file;
  }

  /** Runs to the end; closes the record and the backend whatever happens. */
  async run(): Promise<RunSummary> {
    try {
      return await this.engine.run();
    } finally {
      this.stops?.close();
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
