import { CreateError, type Controller } from '../controllers/controller';
import type { Cell, Plan } from '../plan/plan';
import { cellSpec } from '../plan/cellSpec';
import { configIdentity, type QueryMark } from '../plan/mark';
import { Attempts, type Attempt, type AttemptEnd } from './attempt';
import { CellQueue, Waits } from './cellQueue';
import { RunEventBus } from './eventBus';
import { maskFreeText, type CellFinish, type RunEvent, type RunEventInput, type RunListener, type RunSummary } from '../runModel/events';
import { Outstanding } from './outstanding';
import { Deletions } from './deletions';
import { attemptLimit, budgetExhausted, creationFailedDetail, failureDetail, mayRetry, retryDelayMs, wantsDeleted } from './policy';
import { applyEvent, createRunState, runSummary, type RunState } from '../runModel/runState';
import { createOrAdopt, seedPlan } from './adoption';
import { watchForStalls } from './stall';
import { DEFAULT_TIMING, type CellRun, type EngineOptions, type EngineTiming } from './engineOptions';
import type { LogLevel } from '../util/log';

export type { PriorCell } from '../runModel/events';
export { DEFAULT_TIMING, type EngineOptions, type EngineTiming } from './engineOptions';

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
  private readonly bus = new RunEventBus();
  private readonly queue = new CellQueue<CellRun>();
  private readonly waits = new Waits<CellRun>();
  private readonly work = new Outstanding();
  private readonly attempts: Attempts<CellRun>;
  private readonly deletions: Deletions;
  /** What every query this run creates carries, and what it must carry to be adopted. */
  private readonly mark: QueryMark;
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
    this.mark = { config: configIdentity(this.plan.name, this.plan.config.file), run: options.runId, fingerprint: this.plan.hash };
    this.attempts = new Attempts<CellRun>({
      controller: this.controller,
      timing: this.timing,
      limit: attemptLimit(this.plan),
      emit: (e) => this.emit(e),
      log: (level, message) => this.log(level, message),
      ended: (a, how) => this.onAttemptEnded(a, how),
    });
    this.deletions = new Deletions(this.controller, this.work, (e) => this.emit(e), (level, m) => this.log(level, m), () => this.maybeFinish());
  }

  on(listener: RunListener): () => void {
    return this.bus.on(listener);
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
      this.log('warning', `No progress for ${idle} iterations${startup ? ' (startup)' : ''}. Created: ${this.state.created}, Active: ${this.attempts.live.size}, Pending: ${this.queue.size + this.waits.size}, Completed: ${c.succeeded}, Failed: ${c.failed}`),
    );
    try {
      const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
      this.emit({ type: 'run-started', runId: this.options.runId, planHash: this.plan.hash, cells: this.cells.length, concurrency: this.plan.concurrency, resumed: Boolean(this.options.prior) });
      for (const cell of this.options.order ?? this.cells) this.seed(cell);
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
      this.waits.cancelAll();
      this.attempts.dispose();
    }
  }

  private seed(cell: Cell): void {
    const run: CellRun = { cell, attempts: 0, createFailures: 0 };
    const step = seedPlan(cell, this.options.prior?.get(cell.index), this.controller, this.mark);
    run.attempts = step.attempts;
    if (step.kind === 'final') {
      this.finish(run, step.finish);
      if (step.deleteSerial && wantsDeleted(this.plan, step.finish)) this.deleteSerial(cell, step.deleteSerial);
    } else if (step.kind === 'adopt') this.attempts.attach(run, step.serial, step.attempt, true);
    else {
      if (step.gone) this.log('info', `${cell.queryName}: its query from the interrupted run is gone; creating it again`);
      // The earlier run's failures may already exceed the budget: then nothing new starts.
      if (this.stopping) this.finish(run, { outcome: 'not-started', attempt: run.attempts });
      else this.queue.push(run);
    }
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
    // A listener that could not record the intent to create (a full disk) stopped the run: creating now would run a
    // cell the record does not know of, and --resume would run it again.
    if (this.stopping) {
      this.work.end('creating');
      this.finish(run, { outcome: 'not-started', attempt });
      return this.pump();
    }
    const got = await createOrAdopt(this.controller, cell, this.mark, () => cellSpec(this.plan, cell, this.mark), (level, m) => this.log(level, m), run.unsureCreate);
    this.work.end('creating');
    if ('refused' in got) {
      this.emit({ type: 'cell-create-failed', cell, attempt, error: got.refused });
      this.finish(run, { outcome: 'failed', kind: 'creation', attempt, detail: got.refused });
    } else if ('error' in got) {
      run.unsureCreate ||= got.createCalled;
      this.onCreateError(run, attempt, got.error);
    } else {
      run.createFailures = 0;
      run.unsureCreate = false;
      const a = this.attempts.attach(run, got.serial, attempt, got.adopted);
      if (this.cancelStage === 'forceful' && !a.done) this.forceStop(a);
    }
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
    this.finish(run, { outcome: 'failed', kind: 'creation', attempt, detail: creationFailedDetail(run.createFailures, error) });
  }

  /** A waiting cell holds no slot and blocks no other cell. */
  private waitThenQueue(run: CellRun, delayMs: number): void {
    if (this.stopping) return this.finish(run, { outcome: 'not-started', attempt: run.attempts });
    this.waits.add(run, delayMs, () => {
      if (this.stopping) this.finish(run, { outcome: 'not-started', attempt: run.attempts });
      else this.queue.pushFront(run);
      this.pump();
    });
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
        if (how.error) this.deletions.failed(run.cell, serial, how.error, 'stop and delete', 'error');
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
    const endedAt = this.now();
    const finalize = (log: string | undefined) => {
      this.pendingFailures--;
      this.finish(a.run, { outcome: 'failed', kind: 'execution', serial: a.serial, detail: failureDetail(headline, stateDetail, log), attempt: a.number }, endedAt);
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
    this.deletions.delete(cell, serial);
  }

  /** `at`: when the attempt ended, if earlier than now (a failure's log is fetched first; the slot was free already). */
  private finish(run: CellRun, f: CellFinish, at?: number): void {
    this.emit({ type: 'cell-finished', cell: run.cell, ...f }, at);
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
    for (const run of [...this.queue.drain(), ...this.waits.cancelAll()]) this.finish(run, { outcome: 'not-started', attempt: run.attempts });
  }

  private maybeFinish(): void {
    if (!this.resolveDone || this.seeding) return;
    if (this.work.idle && this.attempts.live.size === 0 && this.queue.size === 0 && this.waits.size === 0) {
      const resolve = this.resolveDone;
      this.resolveDone = undefined;
      resolve();
    }
  }

  private summary(startedAt: number): RunSummary {
    return runSummary(this.state, { runId: this.options.runId, undeleted: this.deletions.undeleted, interrupted: this.cancelStage, budgetExhausted: this.exhausted, startedAt, endedAt: this.now() });
  }

  private log(level: LogLevel, message: string): void {
    this.emit({ type: 'log', level, message });
  }

  private emit(event: RunEventInput, at = this.now()): void {
    // Free text enters here (worker output, server and error messages): masked once, before any consumer serialises it.
    const e = maskFreeText({ ...event, at } as RunEvent, this.plan.config.secrets);
    if (e.type !== 'log' && e.type !== 'cell-status') this.progress++;
    applyEvent(this.state, e);
    this.bus.emit(e);
  }
}
