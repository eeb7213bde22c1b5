import { CreateError, type Controller } from '../controllers/controller';
import type { Cell, Plan } from '../plan/plan';
import { querySpec } from '../plan/querySpec';
import { Attempts, type Attempt, type AttemptEnd } from './attempt';
import { CellQueue } from './cellQueue';
import type { CellOutcome, FailureKind, PriorCell, RunEvent, RunListener, RunSummary } from './events';
import { exitCodeFor, EXIT } from './exitCodes';
import { Outstanding } from './outstanding';
import { attemptLimit, budgetExhausted, mayRetry, retryDelayMs, type RetryTiming } from './policy';
import { applyEvent, createRunState, type RunState } from './runState';
import { adoptable, seedPlan } from './seed';
import { watchForStalls, type StallTiming } from './stall';

export type { PriorCell } from './events';

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
  /** Run only these cells (rerun of failed cells); default all. */
  cells?: readonly Cell[];
  prior?: ReadonlyMap<number, PriorCell>;
  timing?: Partial<EngineTiming>;
  random?: () => number;
  now?: () => number;
}

/** A cell's bookkeeping in this run. */
interface CellRun {
  cell: Cell;
  /** Attempts begun for this cell (each creation try, each requeue). */
  attempts: number;
  /** Creation failures in a row, for max_retries. */
  createFailures: number;
  retryTimer?: NodeJS.Timeout;
}

interface Finish {
  outcome: CellOutcome;
  attempt: number;
  kind?: FailureKind;
  serial?: string;
  detail?: string;
}

type Emitted = DistributiveOmit<RunEvent, 'at'>;
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/**
 * Runs a plan's cells through a controller: at most max_concurrent_sessions live queries, retries with backoff,
 * no-capacity requeues, watchdogs, the failure budget and two-stage cancel. Driven by the controller's events;
 * timers serve only watchdogs, backoff and stall detection. Every count comes from the run state (`state`), which
 * is fed the same events as every listener.
 */
export class Engine {
  readonly state: RunState<Cell>;
  private readonly plan: Plan;
  private readonly controller: Controller;
  private readonly timing: EngineTiming;
  private readonly now: () => number;
  private readonly listeners: RunListener[] = [];
  private readonly runs: CellRun[] = [];
  private readonly queue = new CellQueue<CellRun>();
  private readonly work = new Outstanding();
  private readonly attempts: Attempts<CellRun>;
  private readonly undeleted: RunSummary['undeleted'] = [];
  private stopping = false;
  private cancelStage: false | 'graceful' | 'forceful' = false;
  private exhausted = false;
  /** Failures whose detail is still being fetched: they count against the budget already. */
  private pendingFailures = 0;
  private progress = 0;
  private resolveDone?: () => void;
  /** While cells are seeded nothing is created and the run cannot end (an adopted query that already finished would
   * otherwise see an empty queue and end the run before the other cells were queued). */
  private seeding = true;

  constructor(private readonly options: EngineOptions) {
    this.plan = options.plan;
    this.controller = options.controller;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.now = options.now ?? Date.now;
    this.state = createRunState(this.cells);
    this.attempts = new Attempts<CellRun>({
      controller: this.controller,
      timing: this.timing,
      limit: attemptLimit(this.plan),
      emit: (e) => this.emit(e),
      log: (level, message) => this.log(level, message),
      ended: (a, how) => this.onAttemptEnded(a, how),
    });
  }

  on(listener: RunListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** First call: stop creating, let running queries finish. Second: stop and delete what is still running. */
  cancel(): void {
    if (this.cancelStage === 'forceful') return;
    this.cancelStage = this.cancelStage === false ? 'graceful' : 'forceful';
    this.emit({ type: 'cancel-requested', stage: this.cancelStage });
    if (this.cancelStage === 'graceful') this.stopCreating();
    else for (const a of [...this.attempts.live]) this.forceStop(a);
    this.maybeFinish();
  }

  /** The cells this run covers (all of the plan's, or a rerun's subset). */
  get cells(): readonly Cell[] {
    return this.options.cells ?? this.plan.cells;
  }

  get cellCount(): number {
    return this.cells.length;
  }

  get cancelState(): false | 'graceful' | 'forceful' {
    return this.cancelStage;
  }

  async run(): Promise<RunSummary> {
    const startedAt = this.now();
    const unsubscribe = this.controller.subscribe((s) => this.attempts.onState(s));
    const c = this.state.counts;
    const stopWatching = watchForStalls(this.timing, () => this.progress, () => c.succeeded + c.failedExecution === 0, (idle, startup) =>
      this.log('warning', `No progress for ${idle} iterations${startup ? ' (startup)' : ''}. Created: ${this.state.created}, Active: ${this.attempts.live.size}, Pending: ${this.queue.size + this.work.count('waiting')}, Completed: ${c.succeeded}, Failed: ${c.failed}`),
    );
    try {
      const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
      this.emit({ type: 'run-started', runId: this.options.runId, planHash: this.plan.hash, cells: this.cells.length, concurrency: this.plan.concurrency, resumed: Boolean(this.options.prior) });
      for (const cell of this.cells) this.seed(cell);
      this.seeding = false;
      this.pump();
      await done;
      await this.work.settled();
      const summary = this.summary(startedAt);
      this.emit({ type: 'run-finished', summary });
      return summary;
    } finally {
      unsubscribe();
      stopWatching();
      for (const r of this.runs) if (r.retryTimer) clearTimeout(r.retryTimer);
      this.attempts.dispose();
    }
  }

  private seed(cell: Cell): void {
    const run: CellRun = { cell, attempts: 0, createFailures: 0 };
    this.runs.push(run);
    const step = seedPlan(cell, this.options.prior?.get(cell.index), this.controller);
    run.attempts = step.attempts;
    if (step.kind === 'final') {
      this.finish(run, step.finish);
      if (step.deleteSerial && this.wantsDeleted(step.finish)) this.deleteSerial(cell, step.deleteSerial);
    } else if (step.kind === 'adopt') this.attempts.attach(run, step.serial, step.attempt, true);
    else {
      if (step.gone) this.log('info', `${cell.queryName}: its query from the interrupted run is gone; creating it again`);
      // The earlier run's failures may already exceed the budget: then nothing new starts.
      if (this.stopping) this.finish(run, { outcome: 'not-started', attempt: run.attempts });
      else this.queue.push(run);
    }
  }

  private wantsDeleted(f: Finish): boolean {
    const ex = this.plan.config.execution;
    return f.outcome === 'succeeded' ? ex.delete_successful_queries : f.outcome === 'failed' && f.kind === 'execution' && ex.delete_failed_queries;
  }

  private pump(): void {
    if (this.seeding) return;
    while (!this.stopping && this.queue.size > 0 && this.work.count('creating') + this.attempts.live.size < this.plan.concurrency) void this.create(this.queue.shift()!);
    this.maybeFinish();
  }

  private async create(run: CellRun): Promise<void> {
    const cell = run.cell;
    const attempt = ++run.attempts;
    this.work.begin('creating');
    this.emit({ type: 'cell-creating', cell, attempt });
    let serial: string;
    let adopted = false;
    let createCalled = false;
    try {
      const existing = this.controller.findByName(cell.queryName);
      if (existing && adoptable(existing)) {
        // Ours already (a create whose reply was lost, or an interrupted run): watch it, never duplicate it.
        serial = existing.serial;
        adopted = true;
      } else {
        if (existing) {
          await this.controller.delete([existing.serial]);
          this.log('info', `${cell.queryName}: deleted the finished query ${existing.serial} left from an earlier run, to reuse its name`);
        }
        createCalled = true;
        serial = await this.controller.create(querySpec(this.plan, cell, new Date(this.now())));
      }
    } catch (e) {
      this.work.end('creating');
      // The call may have created the query although it failed (a lost reply): adopt it, never create it twice.
      const made = createCalled ? this.controller.findByName(cell.queryName) : undefined;
      if (made) {
        this.log('info', `${cell.queryName}: creation reported an error (${(e as Error).message}) but the query exists as serial ${made.serial}; adopting it`);
        run.createFailures = 0;
        this.attempts.attach(run, made.serial, attempt, true);
      } else this.onCreateError(run, attempt, e);
      this.pump();
      return;
    }
    this.work.end('creating');
    run.createFailures = 0;
    const a = this.attempts.attach(run, serial, attempt, adopted);
    if (this.cancelStage === 'forceful' && !a.done) this.forceStop(a);
    this.pump();
  }

  private onCreateError(run: CellRun, attempt: number, e: unknown): void {
    const cell = run.cell;
    const error = e instanceof Error ? e.message : String(e);
    if (e instanceof CreateError && e.noCapacity) {
      this.emit({ type: 'cell-requeued', cell, attempt, reason: `no capacity: ${error}` });
      return this.waitThenQueue(run, this.timing.capacityRequeueMs);
    }
    run.createFailures++;
    const retry = mayRetry(run.createFailures, this.plan.config.execution.max_retries);
    if (retry && !this.stopping) {
      const delay = retryDelayMs(run.createFailures, this.timing, this.options.random ?? Math.random);
      this.emit({ type: 'cell-create-failed', cell, attempt, error, retryInMs: delay });
      return this.waitThenQueue(run, delay);
    }
    this.emit({ type: 'cell-create-failed', cell, attempt, error });
    if (retry) return this.finish(run, { outcome: 'not-started', attempt });
    const tries = `${run.createFailures} tr${run.createFailures === 1 ? 'y' : 'ies'}`;
    this.finish(run, { outcome: 'failed', kind: 'creation', attempt, detail: `creation failed after ${tries}: ${error}` });
  }

  /** A waiting cell holds no slot and blocks no other cell. */
  private waitThenQueue(run: CellRun, delayMs: number): void {
    if (this.stopping) return this.finish(run, { outcome: 'not-started', attempt: run.attempts });
    this.work.begin('waiting');
    run.retryTimer = setTimeout(() => {
      run.retryTimer = undefined;
      this.work.end('waiting');
      if (this.stopping) this.finish(run, { outcome: 'not-started', attempt: run.attempts });
      else this.queue.pushFront(run);
      this.pump();
    }, delayMs);
  }

  private onAttemptEnded(a: Attempt<CellRun>, how: AttemptEnd): void {
    const { run, serial, number: attempt } = a;
    switch (how.kind) {
      case 'succeeded':
        this.finish(run, { outcome: 'succeeded', attempt, serial });
        if (this.plan.config.execution.delete_successful_queries) this.deleteSerial(run.cell, serial);
        break;
      case 'no-capacity':
        this.emit({ type: 'cell-requeued', cell: run.cell, attempt, serial, reason: `no capacity: ${(how.state.detail ?? '').split('\n')[0].slice(0, 200)}` });
        this.deleteSerial(run.cell, serial);
        this.waitThenQueue(run, this.timing.capacityRequeueMs);
        break;
      case 'failed':
        this.failAttempt(a, how.headline, how.state.detail);
        break;
      case 'cancelled':
        if (how.error) {
          this.undeleted.push({ name: run.cell.queryName, serial, error: how.error });
          this.log('error', `could not stop and delete ${run.cell.queryName} (serial ${serial}): ${how.error}`);
        }
        this.finish(run, { outcome: 'cancelled', attempt, serial, detail: 'stopped and deleted by a forceful cancel' });
        break;
    }
    this.pump();
  }

  /** Captures the failure detail (and log) before anything may delete the query. */
  private failAttempt(a: Attempt<CellRun>, headline: string, stateDetail: string | undefined): void {
    // Count the failure now, so the budget stops creation before the detail arrives.
    this.pendingFailures++;
    this.checkBudget();
    const finalize = (log: string | undefined) => {
      this.pendingFailures--;
      const parts = [headline];
      if (stateDetail) parts.push(stateDetail.trim());
      if (log && !(stateDetail && stateDetail.includes(log.trim()))) parts.push(log.trim());
      this.finish(a.run, { outcome: 'failed', kind: 'execution', serial: a.serial, detail: parts.join('\n'), attempt: a.number });
      if (this.plan.config.execution.delete_failed_queries) this.deleteSerial(a.run.cell, a.serial);
      this.pump();
    };
    void this.work.track('finishing', this.controller.log(a.serial).then(finalize, () => finalize(undefined))).finally(() => this.maybeFinish());
  }

  private forceStop(a: Attempt<CellRun>): void {
    const p = this.attempts.forceStop(a);
    if (p) void this.work.track('stopping', p).finally(() => this.maybeFinish());
  }

  private deleteSerial(cell: Cell, serial: string): void {
    const p = this.controller.delete([serial]).then(
      () => this.emit({ type: 'query-deleted', cell, serial }),
      (e) => {
        this.undeleted.push({ name: cell.queryName, serial, error: (e as Error).message });
        this.log('warning', `could not delete ${cell.queryName} (serial ${serial}): ${(e as Error).message}`);
      },
    );
    void this.work.track('deleting', p).finally(() => this.maybeFinish());
  }

  private finish(run: CellRun, f: Finish): void {
    this.emit({ type: 'cell-finished', cell: run.cell, attempt: f.attempt, outcome: f.outcome, ...(f.kind ? { kind: f.kind } : {}), ...(f.serial ? { serial: f.serial } : {}), ...(f.detail ? { detail: f.detail } : {}) });
    if (f.outcome === 'failed') this.checkBudget();
  }

  private checkBudget(): void {
    const failed = this.state.counts.failedExecution + this.pendingFailures;
    const max = this.plan.config.execution.max_failures;
    if (budgetExhausted(failed, max) && !this.exhausted) {
      this.exhausted = true;
      this.log('error', `${failed} cells failed, more than max_failures (${max}): creating no more queries; those running finish`);
      this.stopCreating();
    }
  }

  private stopCreating(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const run of this.queue.drain()) this.finish(run, { outcome: 'not-started', attempt: run.attempts });
    for (const run of this.runs) {
      if (!run.retryTimer) continue;
      clearTimeout(run.retryTimer);
      run.retryTimer = undefined;
      this.work.end('waiting');
      this.finish(run, { outcome: 'not-started', attempt: run.attempts });
    }
  }

  private maybeFinish(): void {
    if (!this.resolveDone || this.seeding) return;
    if (this.work.idle && this.attempts.live.size === 0 && this.queue.size === 0) {
      const resolve = this.resolveDone;
      this.resolveDone = undefined;
      resolve();
    }
  }

  private summary(startedAt: number): RunSummary {
    const c = this.state.counts;
    let exitCode: number = exitCodeFor(c.failedCreation, c.failedExecution);
    if (exitCode === EXIT.SUCCESS && c.succeeded < c.total) exitCode = EXIT.ERROR;
    const { succeeded, failedCreation, failedExecution, cancelled, notStarted } = c;
    return { runId: this.options.runId, cells: c.total, succeeded, failedCreation, failedExecution, cancelled, notStarted, failures: this.state.failures, undeleted: this.undeleted, interrupted: this.cancelStage, budgetExhausted: this.exhausted, exitCode, startedAt, endedAt: this.now() };
  }

  private log(level: 'debug' | 'info' | 'warning' | 'error', message: string): void {
    this.emit({ type: 'log', level, message });
  }

  private emit(event: Emitted): void {
    const e = { ...event, at: this.now() } as RunEvent;
    if (e.type !== 'log' && e.type !== 'cell-status') this.progress++;
    applyEvent(this.state, e);
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a consumer's bug must not break the run */
      }
    }
  }
}

