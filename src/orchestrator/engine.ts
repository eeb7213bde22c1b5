import { CreateError, type Controller } from '../controllers/controller';
import type { Cell, Plan } from '../plan/plan';
import { cellSpec } from '../plan/cellSpec';
import { configIdentity, type QueryMark } from '../plan/mark';
import { Attempts, type Attempt, type AttemptEnded } from './attempt';
import { CellQueue, Waits } from './cellQueue';
import { RunStream } from './eventBus';
import type { CellFinish, RunListener, RunSummary } from '../runModel/events';
import { Outstanding } from './outstanding';
import { Deletions } from './deletions';
import { afterCreateError, attemptLimit, failureDetail, FailureBudget, wantsDeleted } from './policy';
import { runSummary, type RunState } from '../runModel/runState';
import { createOrAdopt, seedPlan } from './adoption';
import { watchForStalls } from './stall';
import { DEFAULT_TIMING, type CellRun, type EngineOptions, type EngineTiming } from './engineOptions';

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
  private readonly queue = new CellQueue<CellRun>();
  private readonly waits = new Waits<CellRun>();
  private readonly work = new Outstanding(() => this.seeding || this.attempts.live.size + this.queue.size + this.waits.size > 0);
  private readonly attempts: Attempts<CellRun>;
  private readonly deletions: Deletions;
  /** What every query this run creates carries, and what it must carry to be adopted. */
  private readonly mark: QueryMark;
  private readonly out: RunStream;
  private readonly budget: FailureBudget;
  private stopping = false;
  /** While cells are seeded nothing is created and the run cannot end (an adopted query that already finished would
   * otherwise see an empty queue and end the run before the other cells were queued). */
  private seeding = true;

  constructor(private readonly options: EngineOptions) {
    ({ plan: this.plan, controller: this.controller, now: this.now = Date.now } = options);
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.out = new RunStream(this.cells, this.plan.config.secrets, this.now);
    this.state = this.out.state;
    this.budget = new FailureBudget(this.plan.config.execution.max_failures);
    this.mark = { config: configIdentity(this.plan.name, this.plan.config.file), run: options.runId, fingerprint: this.plan.hash };
    this.attempts = new Attempts<CellRun>({
      controller: this.controller,
      timing: this.timing,
      limit: attemptLimit(this.plan),
      out: this.out,
      graceExpired: (ended) => this.onAttemptEnded(ended),
    });
    this.deletions = new Deletions(this.controller, this.out, this.work);
  }

  on(listener: RunListener): () => void {
    return this.out.on(listener);
  }

  /** First call: stop creating, let running queries finish. Second: stop and delete what is still running. */
  cancel(): void {
    if (this.state.cancel === 'forceful') return;
    const stage = this.state.cancel === false ? 'graceful' : 'forceful';
    this.out.emit({ type: 'cancel-requested', stage }); // the run state keeps the stage
    if (stage === 'graceful') this.stopCreating();
    else for (const a of [...this.attempts.live]) this.forceStop(a);
    this.work.check();
  }

  /** The cells this run covers (all of the plan's, or a rerun's subset). */
  get cells(): readonly Cell[] {
    return this.options.cells ?? this.plan.cells;
  }

  async run(): Promise<RunSummary> {
    const startedAt = this.now();
    const unsubscribe = this.controller.subscribe((s) => this.onAttemptEnded(this.attempts.onState(s)));
    const c = this.state.counts;
    const stopWatching = watchForStalls(this.timing, () => ({
      progress: this.out.moves,
      startingUp: c.succeeded + c.failedExecution === 0,
      counts: `Created: ${this.state.created}, Active: ${this.attempts.live.size}, Pending: ${this.queue.size + this.waits.size}, Completed: ${c.succeeded}, Failed: ${c.failed}`,
    }), (m) => this.out.log('warning', m));
    try {
      const done = this.work.whenOver();
      this.out.emit({ type: 'run-started', runId: this.options.runId, planHash: this.plan.hash, cells: this.cells.length, concurrency: this.plan.concurrency, resumed: Boolean(this.options.prior) });
      for (const cell of this.options.order ?? this.cells) this.seed(cell);
      this.seeding = false;
      this.pump();
      await done;
      await this.work.settled();
      const summary = runSummary(this.state, { runId: this.options.runId, undeleted: this.deletions.undeleted, interrupted: this.state.cancel, budgetExhausted: this.budget.exhausted, startedAt, endedAt: this.now(), ...(this.options.forecastMs !== undefined ? { forecastMs: this.options.forecastMs } : {}) });
      this.out.emit({ type: 'run-finished', summary });
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
      this.finish(run, step.finish, undefined, step.deleteSerial ?? false);
    } else if (step.kind === 'adopt') this.attach(run, step.serial, step.attempt, true);
    else {
      if (step.gone) this.out.log('info', `${cell.queryName}: its query from the interrupted run is gone; creating it again`);
      // The earlier run's failures may already exceed the budget: then nothing new starts.
      if (this.stopping) this.finish(run, { outcome: 'not-started', attempt: run.attempts });
      else this.queue.push(run);
    }
  }

  private pump(): void {
    if (this.seeding) return;
    while (!this.stopping && this.queue.size > 0 && this.work.count('creating') + this.attempts.live.size < this.plan.concurrency) void this.create(this.queue.shift()!);
    this.work.check();
  }

  private async create(run: CellRun): Promise<void> {
    const cell = run.cell;
    const attempt = ++run.attempts;
    this.out.emit({ type: 'cell-creating', cell, attempt });
    // A listener that could not record the intent to create (a full disk) stopped the run: creating now would run a
    // cell the record does not know of, and --resume would run it again.
    if (this.stopping) {
      this.finish(run, { outcome: 'not-started', attempt });
      return this.pump();
    }
    this.work.begin('creating'); // not tracked: the run must not end between the answer and what follows it
    const got = await createOrAdopt({ controller: this.controller, cell, mark: this.mark, spec: () => cellSpec(this.plan, cell, this.mark), log: (level, m) => this.out.log(level, m), unanswered: run.unsureCreate });
    this.work.end('creating');
    if ('refused' in got) {
      this.out.emit({ type: 'cell-create-failed', cell, attempt, error: got.refused });
      this.finish(run, { outcome: 'failed', kind: 'creation', attempt, detail: got.refused });
    } else if ('error' in got) {
      run.unsureCreate ||= got.createCalled;
      this.onCreateError(run, attempt, got.error);
    } else {
      run.createFailures = 0;
      run.unsureCreate = false;
      const a = this.attach(run, got.serial, attempt, got.adopted);
      if (this.state.cancel === 'forceful' && !a.done) this.forceStop(a);
    }
    this.pump();
  }

  private attach(run: CellRun, serial: string, attempt: number, adopted: boolean): Attempt<CellRun> {
    const { attempt: a, ended } = this.attempts.attach(run, serial, attempt, adopted);
    this.onAttemptEnded(ended);
    return a;
  }

  private onCreateError(run: CellRun, attempt: number, e: unknown): void {
    const cell = run.cell;
    const error = e instanceof Error ? e.message : String(e);
    if (e instanceof CreateError && e.noCapacity) {
      this.out.emit({ type: 'cell-requeued', cell, attempt, reason: `no capacity: ${error}` });
      return this.waitThenQueue(run, this.timing.capacityRequeueMs);
    }
    const step = afterCreateError(++run.createFailures, error, this.plan, this.timing, this.stopping, this.options.random ?? Math.random);
    this.out.emit({ type: 'cell-create-failed', cell, attempt, error, ...('retryInMs' in step ? { retryInMs: step.retryInMs } : {}) });
    if ('retryInMs' in step) this.waitThenQueue(run, step.retryInMs);
    else this.finish(run, { ...step.finish, attempt });
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

  private onAttemptEnded(ended: AttemptEnded<CellRun> | undefined): void {
    if (!ended) return;
    const { attempt: a, how } = ended;
    const { run, serial, number: attempt } = a;
    switch (how.kind) {
      case 'succeeded':
        this.finish(run, { outcome: 'succeeded', attempt, serial });
        break;
      case 'no-capacity':
        this.out.emit({ type: 'cell-requeued', cell: run.cell, attempt, serial, reason: `no capacity: ${(how.state.detail ?? '').split('\n')[0].slice(0, 200)}` });
        this.deletions.delete(run.cell, serial);
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
    this.budget.pending++;
    this.checkBudget();
    const endedAt = this.now();
    const finalize = (log: string | undefined) => {
      this.budget.pending--;
      this.finish(a.run, { outcome: 'failed', kind: 'execution', serial: a.serial, detail: failureDetail(headline, stateDetail, log), attempt: a.number }, endedAt);
      this.pump();
    };
    void this.work.track('finishing', this.controller.log(a.serial).then(finalize, () => finalize(undefined)));
  }

  private forceStop(a: Attempt<CellRun>): void {
    const p = this.attempts.forceStop(a);
    if (p) void this.work.track('stopping', p.then((how) => this.onAttemptEnded({ attempt: a, how })));
  }

  /**
   * A cell's end, and its query deleted if the config says so. `at`: when the attempt ended, if earlier than now (a
   * failure's log is fetched first; the slot was free already). `serial`: the query to delete if not the finish's (false: none).
   */
  private finish(run: CellRun, f: CellFinish, at?: number, serial: string | false | undefined = f.serial): void {
    this.out.emit({ type: 'cell-finished', cell: run.cell, ...f }, at);
    if (serial && wantsDeleted(this.plan, f)) this.deletions.delete(run.cell, serial);
    if (f.outcome === 'failed') this.checkBudget();
  }

  private checkBudget(): void {
    const exceeded = this.budget.check(this.state.counts.failedExecution);
    if (exceeded) this.stopCreating(exceeded);
  }

  /** `why`: the error to log (the failure budget ran out). */
  private stopCreating(why?: string): void {
    if (why) this.out.log('error', why);
    if (this.stopping) return;
    this.stopping = true;
    for (const run of [...this.queue.drain(), ...this.waits.cancelAll()]) this.finish(run, { outcome: 'not-started', attempt: run.attempts });
  }

}
