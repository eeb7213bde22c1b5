import { classify, CreateError, isTerminal, type Controller, type QueryState } from '../controllers/controller';
import type { Cell, Plan } from '../plan/plan';
import { querySpec, type QuerySpec } from '../plan/querySpec';
import { exitCodeFor, EXIT } from './exitCodes';
import type { CellFailure, CellOutcome, CellState, FailureKind, PriorCell, RunEvent, RunListener, RunSummary } from './events';

export type { PriorCell } from './events';

export interface EngineTiming {
  /** First retry delay; doubles each retry, capped at retryMaxMs, then jittered down by up to half. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Wait before a cell refused for lack of capacity is tried again. */
  capacityRequeueMs: number;
  /** One "iteration" of stall detection. */
  stallIterationMs: number;
  stallIterations: number;
  startupStallIterations: number;
  /** How long to wait for a stopped query to report a terminal status before freeing its slot anyway. */
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

interface CellRun {
  cell: Cell;
  state: CellState;
  /** Attempts begun for this cell (each creation try, each requeue). */
  attempts: number;
  /** Creation failures in a row, for max_retries. */
  createFailures: number;
  retryTimer?: NodeJS.Timeout;
}

interface Attempt {
  run: CellRun;
  serial: string;
  attempt: number;
  lastStatus?: string;
  done: boolean;
  stoppedBy?: 'timeout' | 'cancel';
  timeoutDetail?: string;
  watchdog?: NodeJS.Timeout;
  graceTimer?: NodeJS.Timeout;
}

/**
 * Runs a plan's cells through a controller: at most max_concurrent_sessions live queries, retries with backoff,
 * no-capacity requeues, watchdogs, the failure budget and two-stage cancel. Driven by the controller's status
 * events; timers serve only watchdogs, backoff and stall detection.
 */
export class Engine {
  private readonly plan: Plan;
  private readonly controller: Controller;
  private readonly timing: EngineTiming;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly listeners: RunListener[] = [];
  private readonly runs: CellRun[] = [];
  private readonly queue: CellRun[] = [];
  private queueHead = 0;
  private readonly bySerial = new Map<string, Attempt>();
  private readonly live = new Set<Attempt>();
  private creating = 0;
  private waiting = 0;
  private busy = 0;
  private pendingFailures = 0;
  private readonly pendingDeletes = new Set<Promise<void>>();
  private stopping = false;
  private cancelStage: false | 'graceful' | 'forceful' = false;
  private budgetExhausted = false;
  private createdCount = 0;
  private progress = 0;
  private readonly failures: CellFailure[] = [];
  private readonly undeleted: RunSummary['undeleted'] = [];
  private readonly counts = { succeeded: 0, failedCreation: 0, failedExecution: 0, cancelled: 0, notStarted: 0 };
  private resolveDone?: () => void;
  /** While the cells are being seeded nothing is created and the run cannot end: an adopted query that already
   * finished would otherwise see an empty queue and end the run before the remaining cells were queued. */
  private seeding = true;
  private heartbeat?: NodeJS.Timeout;
  private readonly type: QuerySpec['type'];

  constructor(private readonly options: EngineOptions) {
    this.plan = options.plan;
    this.controller = options.controller;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.type = this.plan.mode === 'replay' ? 'ReplayScript' : 'RunAndDone';
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
    if (this.cancelStage === false) {
      this.cancelStage = 'graceful';
      this.emit({ type: 'cancel-requested', stage: 'graceful' });
      this.stopCreating();
      this.maybeFinish();
    } else if (this.cancelStage === 'graceful') {
      this.cancelStage = 'forceful';
      this.emit({ type: 'cancel-requested', stage: 'forceful' });
      for (const a of [...this.live]) this.forceStop(a);
      this.maybeFinish();
    }
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
    const unsubscribe = this.controller.subscribe((s) => this.onState(s));
    try {
      const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
      const cells = this.options.cells ?? this.plan.cells;
      this.emit({ type: 'run-started', runId: this.options.runId, planHash: this.plan.hash, cells: cells.length, concurrency: this.plan.concurrency, resumed: Boolean(this.options.prior) });
      for (const cell of cells) this.seed(cell);
      this.seeding = false;
      this.startHeartbeat();
      this.pump();
      await done;
      while (this.pendingDeletes.size) await Promise.allSettled([...this.pendingDeletes]);
      const summary = this.summary(startedAt);
      this.emit({ type: 'run-finished', summary });
      return summary;
    } finally {
      unsubscribe();
      if (this.heartbeat) clearInterval(this.heartbeat);
      for (const r of this.runs) if (r.retryTimer) clearTimeout(r.retryTimer);
      for (const a of this.bySerial.values()) this.clearTimers(a);
    }
  }

  // ------------------------------------------------------------ seeding

  private seed(cell: Cell): void {
    const run: CellRun = { cell, state: 'pending', attempts: 0, createFailures: 0 };
    this.runs.push(run);
    const prior = this.options.prior?.get(cell.index);
    if (prior) run.attempts = prior.attempts;
    if (prior?.outcome === 'succeeded' || prior?.outcome === 'failed') {
      run.state = prior.outcome;
      this.emit({ type: 'cell-finished', cell, attempt: prior.attempts, outcome: prior.outcome, ...(prior.kind ? { kind: prior.kind } : {}), ...(prior.serial ? { serial: prior.serial } : {}), ...(prior.detail ? { detail: prior.detail } : {}) });
      this.tally(run, prior.outcome, prior.kind, prior.serial, prior.detail ?? 'failed in the earlier run', prior.attempts);
      this.deleteLeftover(cell, prior);
      return;
    }
    if (prior?.serial || (prior && prior.attempts > 0)) {
      // The interrupted run created (or was creating) this cell's query: whatever state it is in now, it is ours.
      const byName = this.controller.findByName(cell.queryName);
      const bySerial = prior.serial ? this.controller.get(prior.serial) : undefined;
      const known = bySerial?.name === cell.queryName ? bySerial : byName;
      if (known) {
        this.attach(run, known.serial, Math.max(1, prior.attempts), true);
        return;
      }
      if (prior.serial) this.log('info', `${cell.queryName}: its query from the interrupted run is gone; creating it again`);
    }
    // The earlier run's failures may already exceed the budget: then nothing new starts.
    if (this.stopping) this.finish(run, 'not-started', undefined, undefined, undefined, run.attempts);
    else this.queue.push(run);
  }

  /** A final cell of the interrupted run whose query the delete policy wanted gone, but the run ended first. */
  private deleteLeftover(cell: Cell, prior: PriorCell): void {
    const ex = this.plan.config.execution;
    const wanted = prior.outcome === 'succeeded' ? ex.delete_successful_queries : prior.kind === 'execution' && ex.delete_failed_queries;
    if (!wanted || prior.deleted || !prior.serial) return;
    const q = this.controller.get(prior.serial);
    if (q && q.name === cell.queryName) this.deleteSerial(cell, q.serial);
  }

  // ------------------------------------------------------------ scheduling

  private inFlight(): number {
    return this.creating + this.live.size;
  }

  private pump(): void {
    if (this.seeding) return;
    while (!this.stopping && this.queueHead < this.queue.length && this.inFlight() < this.plan.concurrency) {
      const run = this.queue[this.queueHead++];
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      void this.create(run);
    }
    this.maybeFinish();
  }

  private requeueFront(run: CellRun): void {
    if (this.queueHead > 0) this.queue[--this.queueHead] = run;
    else this.queue.unshift(run);
  }

  private async create(run: CellRun): Promise<void> {
    const cell = run.cell;
    run.state = 'creating';
    const attempt = ++run.attempts;
    this.creating++;
    this.emit({ type: 'cell-creating', cell, attempt });
    let serial: string;
    let adopted = false;
    let createCalled = false;
    try {
      const existing = this.controller.findByName(cell.queryName);
      if (existing && !isTerminal(classify(existing, this.type, false))) {
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
      this.creating--;
      // The call may have created the query although it failed (a lost reply): adopt it, never create it twice.
      const made = createCalled ? this.controller.findByName(cell.queryName) : undefined;
      if (made) {
        this.log('info', `${cell.queryName}: creation reported an error (${(e as Error).message}) but the query exists as serial ${made.serial}; adopting it`);
        run.createFailures = 0;
        this.attach(run, made.serial, attempt, true);
      } else this.onCreateError(run, attempt, e);
      this.pump();
      return;
    }
    this.creating--;
    run.createFailures = 0;
    this.attach(run, serial, attempt, adopted);
    if (this.cancelStage === 'forceful') {
      const a = this.bySerial.get(serial);
      if (a && !a.done) this.forceStop(a);
    }
    this.pump();
  }

  private onCreateError(run: CellRun, attempt: number, e: unknown): void {
    const cell = run.cell;
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof CreateError && e.noCapacity) {
      this.emit({ type: 'cell-requeued', cell, attempt, reason: `no capacity: ${message}` });
      this.waitThenQueue(run, this.timing.capacityRequeueMs);
      return;
    }
    run.createFailures++;
    const retriesLeft = run.createFailures <= this.plan.config.execution.max_retries;
    if (retriesLeft && this.stopping) {
      this.emit({ type: 'cell-create-failed', cell, attempt, error: message });
      this.finish(run, 'not-started', undefined, undefined, undefined, attempt);
      return;
    }
    if (retriesLeft) {
      const cap = Math.min(this.timing.retryMaxMs, this.timing.retryBaseMs * 2 ** (run.createFailures - 1));
      const delay = Math.round(cap * (0.5 + 0.5 * this.random()));
      this.emit({ type: 'cell-create-failed', cell, attempt, error: message, retryInMs: delay });
      this.waitThenQueue(run, delay);
      return;
    }
    this.emit({ type: 'cell-create-failed', cell, attempt, error: message });
    this.finish(run, 'failed', 'creation', undefined, `creation failed after ${run.createFailures} tr${run.createFailures === 1 ? 'y' : 'ies'}: ${message}`, attempt);
  }

  /** A waiting cell holds no slot and blocks no other cell. */
  private waitThenQueue(run: CellRun, delayMs: number): void {
    if (this.stopping) {
      this.finish(run, 'not-started', undefined, undefined, undefined, run.attempts);
      return;
    }
    run.state = 'waiting-retry';
    this.waiting++;
    run.retryTimer = setTimeout(() => {
      run.retryTimer = undefined;
      this.waiting--;
      if (this.stopping) this.finish(run, 'not-started', undefined, undefined, undefined, run.attempts);
      else {
        run.state = 'pending';
        this.requeueFront(run);
      }
      this.pump();
    }, delayMs);
  }

  // ------------------------------------------------------------ attempts

  private attach(run: CellRun, serial: string, attempt: number, adopted: boolean): void {
    const a: Attempt = { run, serial, attempt, done: false };
    run.state = 'active';
    this.bySerial.set(serial, a);
    this.live.add(a);
    this.createdCount++;
    this.progress++;
    this.emit({ type: 'cell-created', cell: run.cell, attempt, serial, adopted });
    const timeoutMs = this.plan.mode === 'replay' ? this.plan.config.replay!.init_timeout_minutes * 60_000 : this.plan.config.batch!.timeout_minutes * 60_000;
    const what = this.plan.mode === 'replay'
      ? `did not start running within init_timeout_minutes (${this.plan.config.replay!.init_timeout_minutes} min)`
      : `ran longer than timeout_minutes (${this.plan.config.batch!.timeout_minutes} min)`;
    a.watchdog = setTimeout(() => this.onWatchdog(a, what), timeoutMs);
    const state = this.controller.get(serial);
    if (state) this.onAttemptState(a, state);
  }

  private onWatchdog(a: Attempt, detail: string): void {
    a.watchdog = undefined;
    if (a.done || a.stoppedBy) return;
    a.stoppedBy = 'timeout';
    a.timeoutDetail = detail;
    this.log('warning', `${a.run.cell.queryName} (serial ${a.serial}) ${detail}: stopping it`);
    this.stopAndAwait(a);
  }

  private stopAndAwait(a: Attempt): void {
    this.controller.stop([a.serial]).catch((e) => this.log('warning', `could not stop ${a.run.cell.queryName} (serial ${a.serial}): ${(e as Error).message}`));
    a.graceTimer = setTimeout(() => {
      if (a.done) return;
      this.log('warning', `${a.run.cell.queryName} (serial ${a.serial}) did not report stopping within ${Math.round(this.timing.stopGraceMs / 1000)} s; freeing its slot`);
      this.onAttemptState(a, { serial: a.serial, name: a.run.cell.queryName, status: 'Stopped' });
    }, this.timing.stopGraceMs);
  }

  private onState(state: QueryState): void {
    const a = this.bySerial.get(state.serial);
    if (a && !a.done) this.onAttemptState(a, state);
  }

  private onAttemptState(a: Attempt, state: QueryState): void {
    const cell = a.run.cell;
    if (state.status && state.status !== a.lastStatus) {
      a.lastStatus = state.status;
      this.emit({ type: 'cell-status', cell, attempt: a.attempt, serial: a.serial, status: state.status });
    }
    const phase = classify(state, this.type, a.stoppedBy !== undefined);
    if (phase === 'running' && this.plan.mode === 'replay' && a.watchdog) {
      clearTimeout(a.watchdog);
      a.watchdog = undefined;
    }
    if (!isTerminal(phase)) return;
    a.done = true;
    this.live.delete(a);
    this.clearTimers(a);
    this.progress++;
    const ex = this.plan.config.execution;
    if (a.stoppedBy === 'cancel') {
      // Counted by forceStop already.
    } else if (a.stoppedBy === 'timeout') {
      this.failAttempt(a, a.timeoutDetail ?? 'timed out', state);
    } else if (phase === 'success') {
      this.finish(a.run, 'succeeded', undefined, a.serial, undefined, a.attempt);
      if (ex.delete_successful_queries) this.deleteQuery(a);
    } else if (phase === 'no-capacity') {
      this.emit({ type: 'cell-requeued', cell, attempt: a.attempt, serial: a.serial, reason: `no capacity: ${firstLine(state.detail)}` });
      this.deleteQuery(a);
      this.waitThenQueue(a.run, this.timing.capacityRequeueMs);
    } else {
      this.failAttempt(a, `query ended ${state.status}`, state);
    }
    this.pump();
  }

  /** Captures the failure detail (and log) before anything may delete the query. */
  private failAttempt(a: Attempt, headline: string, state: QueryState): void {
    this.busy++;
    // Count the failure now, so the budget stops creation before the detail arrives.
    this.pendingFailures++;
    this.checkBudget();
    const finalize = (log: string | undefined) => {
      this.pendingFailures--;
      const parts = [headline];
      if (state.detail) parts.push(state.detail.trim());
      if (log && !(state.detail && state.detail.includes(log.trim()))) parts.push(log.trim());
      this.finish(a.run, 'failed', 'execution', a.serial, parts.join('\n'), a.attempt);
      if (this.plan.config.execution.delete_failed_queries) this.deleteQuery(a);
      this.busy--;
      this.pump();
    };
    this.controller.log(a.serial).then(finalize, () => finalize(undefined));
  }

  private forceStop(a: Attempt): void {
    if (a.done || a.stoppedBy === 'cancel') return;
    a.stoppedBy = 'cancel';
    this.clearTimers(a);
    this.busy++;
    const { serial } = a;
    const work = (async () => {
      try {
        await this.controller.stop([serial]);
      } catch {
        /* deleting below stops it too */
      }
      await this.controller.delete([serial]);
    })();
    const timeout = new Promise<void>((_, reject) => setTimeout(() => reject(new Error('no answer from the server')), this.timing.forceTimeoutMs).unref());
    Promise.race([work, timeout])
      .then(
        () => this.emit({ type: 'query-deleted', cell: a.run.cell, serial }),
        (e) => {
          this.undeleted.push({ name: a.run.cell.queryName, serial, error: (e as Error).message });
          this.log('error', `could not stop and delete ${a.run.cell.queryName} (serial ${serial}): ${(e as Error).message}`);
        },
      )
      .finally(() => {
        a.done = true;
        this.live.delete(a);
        this.finish(a.run, 'cancelled', undefined, serial, 'stopped and deleted by a forceful cancel', a.attempt);
        this.busy--;
        this.maybeFinish();
      });
  }

  private deleteQuery(a: Attempt): void {
    this.deleteSerial(a.run.cell, a.serial);
  }

  private deleteSerial(cell: Cell, serial: string): void {
    const p = this.controller
      .delete([serial])
      .then(
        () => this.emit({ type: 'query-deleted', cell, serial }),
        (e) => {
          this.undeleted.push({ name: cell.queryName, serial, error: (e as Error).message });
          this.log('warning', `could not delete ${cell.queryName} (serial ${serial}): ${(e as Error).message}`);
        },
      )
      .finally(() => {
        this.pendingDeletes.delete(p);
        this.maybeFinish();
      });
    this.pendingDeletes.add(p);
  }

  private clearTimers(a: Attempt): void {
    if (a.watchdog) clearTimeout(a.watchdog);
    if (a.graceTimer) clearTimeout(a.graceTimer);
    a.watchdog = a.graceTimer = undefined;
  }

  // ------------------------------------------------------------ outcomes

  private finish(run: CellRun, outcome: CellOutcome, kind: FailureKind | undefined, serial: string | undefined, detail: string | undefined, attempt: number): void {
    run.state = outcome;
    this.progress++;
    this.emit({ type: 'cell-finished', cell: run.cell, attempt, outcome, ...(kind ? { kind } : {}), ...(serial ? { serial } : {}), ...(detail ? { detail } : {}) });
    this.tally(run, outcome, kind, serial, detail, attempt);
  }

  private tally(run: CellRun, outcome: CellOutcome, kind: FailureKind | undefined, serial: string | undefined, detail: string | undefined, attempt: number): void {
    switch (outcome) {
      case 'succeeded': this.counts.succeeded++; break;
      case 'cancelled': this.counts.cancelled++; break;
      case 'not-started': this.counts.notStarted++; break;
      case 'failed': {
        if (kind === 'creation') this.counts.failedCreation++;
        else this.counts.failedExecution++;
        this.failures.push({ cell: run.cell, kind: kind ?? 'execution', ...(serial ? { serial } : {}), attempt, detail: detail ?? '' });
        this.checkBudget();
        break;
      }
    }
  }

  private checkBudget(): void {
    const failed = this.counts.failedExecution + this.pendingFailures;
    const max = this.plan.config.execution.max_failures;
    if (failed > max && !this.budgetExhausted) {
      this.budgetExhausted = true;
      this.log('error', `${failed} cells failed, more than max_failures (${max}): creating no more queries; those running finish`);
      this.stopCreating();
    }
  }

  private stopCreating(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (let i = this.queueHead; i < this.queue.length; i++) this.finish(this.queue[i], 'not-started', undefined, undefined, undefined, this.queue[i].attempts);
    this.queue.length = 0;
    this.queueHead = 0;
    for (const run of this.runs) {
      if (run.state === 'waiting-retry' && run.retryTimer) {
        clearTimeout(run.retryTimer);
        run.retryTimer = undefined;
        this.waiting--;
        this.finish(run, 'not-started', undefined, undefined, undefined, run.attempts);
      }
    }
  }

  private maybeFinish(): void {
    if (!this.resolveDone || this.seeding) return;
    const queueEmpty = this.queueHead >= this.queue.length;
    if (this.creating === 0 && this.live.size === 0 && this.waiting === 0 && this.busy === 0 && queueEmpty) {
      const resolve = this.resolveDone;
      this.resolveDone = undefined;
      resolve();
    }
  }

  private summary(startedAt: number): RunSummary {
    const total = this.runs.length;
    const c = this.counts;
    let exitCode: number = exitCodeFor(c.failedCreation, c.failedExecution);
    if (exitCode === EXIT.SUCCESS && c.succeeded < total) exitCode = EXIT.ERROR;
    return {
      runId: this.options.runId,
      cells: total,
      ...c,
      failures: this.failures,
      undeleted: this.undeleted,
      interrupted: this.cancelStage,
      budgetExhausted: this.budgetExhausted,
      exitCode,
      startedAt,
      endedAt: this.now(),
    };
  }

  // ------------------------------------------------------------ stall detection and events

  private startHeartbeat(): void {
    let last = this.progress;
    let idle = 0;
    this.heartbeat = setInterval(() => {
      if (this.progress !== last) {
        last = this.progress;
        idle = 0;
        return;
      }
      idle++;
      const startup = this.counts.succeeded + this.counts.failedExecution === 0;
      const threshold = startup ? this.timing.startupStallIterations : this.timing.stallIterations;
      if (idle % threshold === 0) {
        const pending = this.queue.length - this.queueHead + this.waiting;
        this.log('warning', `No progress for ${idle} iterations${startup ? ' (startup)' : ''}. Created: ${this.createdCount}, Active: ${this.live.size}, Pending: ${pending}, Completed: ${this.counts.succeeded}, Failed: ${this.counts.failedCreation + this.counts.failedExecution}`);
      }
    }, this.timing.stallIterationMs);
    this.heartbeat.unref();
  }

  private log(level: 'debug' | 'info' | 'warning' | 'error', message: string): void {
    this.emit({ type: 'log', level, message });
  }

  private emit(event: DistributiveOmit<RunEvent, 'at'>): void {
    const e = { ...event, at: this.now() } as RunEvent;
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a consumer's bug must not break the run */
      }
    }
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0].slice(0, 200);
}
