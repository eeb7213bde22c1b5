import { isFinal, type Controller, type QueryState } from '../controllers/controller';
import type { Cell } from '../plan/plan';
import type { RunEventInput } from '../runModel/events';

type Emit = (e: RunEventInput) => void;

/** One query created (or adopted) for a cell, and its timers. */
export class Attempt<R extends { cell: Cell }> {
  lastStatus?: string;
  done = false;
  stoppedBy?: 'timeout' | 'cancel';
  timeoutDetail?: string;
  watchdog?: NodeJS.Timeout;
  graceTimer?: NodeJS.Timeout;

  constructor(readonly run: R, readonly serial: string, readonly number: number) {}

  clearTimers(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.watchdog = this.graceTimer = undefined;
  }
}

/** How an attempt ended, for the engine to act on: returned by the call that learnt it. */
export type AttemptEnd =
  | { kind: 'succeeded' }
  | { kind: 'no-capacity'; state: QueryState }
  | { kind: 'failed'; headline: string; state: QueryState }
  | { kind: 'cancelled'; error?: string };

export interface AttemptEnded<R extends { cell: Cell }> {
  attempt: Attempt<R>;
  how: AttemptEnd;
}

export interface AttemptHost<R extends { cell: Cell }> {
  controller: Controller;
  timing: { stopGraceMs: number; forceTimeoutMs: number };
  limit: { ms: number; what: string; untilRunning: boolean };
  /** Where the attempt's events and warnings go. */
  out: { emit: Emit; log(level: 'warning' | 'error' | 'info', message: string): void };
  /** The one ending no call returns: a stopped query that never reported stopping, freed when its grace ran out. */
  graceExpired(ended: AttemptEnded<R>): void;
}

/**
 * The life of every attempt: the status events that move it, the watchdog (and the grace period after a stop), and
 * the forceful stop. Each call returns the ending it learnt of; what an ending means for the cell is the engine's.
 */
export class Attempts<R extends { cell: Cell }> {
  readonly live = new Set<Attempt<R>>();
  private readonly bySerial = new Map<string, Attempt<R>>();

  constructor(private readonly host: AttemptHost<R>) {}

  /** `ended`: the query had ended already (an adopted query that finished while nobody watched). */
  attach(run: R, serial: string, number: number, adopted: boolean): { attempt: Attempt<R>; ended?: AttemptEnded<R> } {
    const a = new Attempt(run, serial, number);
    this.bySerial.set(serial, a);
    this.live.add(a);
    this.host.out.emit({ type: 'cell-created', cell: run.cell, attempt: number, serial, adopted });
    a.watchdog = setTimeout(() => this.onWatchdog(a), this.host.limit.ms);
    const state = this.host.controller.get(serial);
    return { attempt: a, ended: state && this.onState(state) };
  }

  get(serial: string): Attempt<R> | undefined {
    return this.bySerial.get(serial);
  }

  onState(state: QueryState): AttemptEnded<R> | undefined {
    const a = this.bySerial.get(state.serial);
    if (!a || a.done) return undefined;
    if (state.status && state.status !== a.lastStatus) {
      a.lastStatus = state.status;
      this.host.out.emit({ type: 'cell-status', cell: a.run.cell, attempt: a.number, serial: a.serial, status: state.status });
    }
    if (state.phase === 'running' && this.host.limit.untilRunning && a.watchdog) {
      clearTimeout(a.watchdog);
      a.watchdog = undefined;
    }
    if (!isFinal(state.phase)) return undefined;
    this.end(a);
    if (a.stoppedBy === 'cancel') return undefined; // forceStop reports it
    const how: AttemptEnd =
      a.stoppedBy === 'timeout'
        ? { kind: 'failed', headline: a.timeoutDetail ?? 'timed out', state }
        : state.phase === 'succeeded'
          ? { kind: 'succeeded' }
          : state.phase === 'no-capacity'
            ? { kind: 'no-capacity', state }
            : { kind: 'failed', headline: `query ended ${state.status}`, state };
    return { attempt: a, how };
  }

  private end(a: Attempt<R>): void {
    a.done = true;
    this.live.delete(a);
    // Later events about an ended attempt change nothing: forget it (a 250,000-cell run keeps only the live ones).
    if (this.bySerial.get(a.serial) === a) this.bySerial.delete(a.serial);
    a.clearTimers();
  }

  private onWatchdog(a: Attempt<R>): void {
    a.watchdog = undefined;
    if (a.done || a.stoppedBy) return;
    a.stoppedBy = 'timeout';
    a.timeoutDetail = this.host.limit.what;
    const name = a.run.cell.queryName;
    this.host.out.log('warning', `${name} (serial ${a.serial}) ${a.timeoutDetail}: stopping it`);
    this.host.controller.stop([a.serial]).catch((e) => this.host.out.log('warning', `could not stop ${name} (serial ${a.serial}): ${(e as Error).message}`));
    a.graceTimer = setTimeout(() => {
      if (a.done) return;
      this.host.out.log('warning', `${name} (serial ${a.serial}) did not report stopping within ${Math.round(this.host.timing.stopGraceMs / 1000)} s; freeing its slot`);
      const ended = this.onState({ serial: a.serial, name, phase: 'stopped', status: 'Stopped' });
      if (ended) this.host.graceExpired(ended);
    }, this.host.timing.stopGraceMs);
  }

  /** Stops and deletes the attempt's query; resolves with its ending once it is gone or the server did not answer. */
  forceStop(a: Attempt<R>): Promise<AttemptEnd> | undefined {
    if (a.done || a.stoppedBy === 'cancel') return undefined;
    a.stoppedBy = 'cancel';
    a.clearTimers();
    const { serial } = a;
    const controller = this.host.controller;
    const work = (async () => {
      try {
        await controller.stop([serial]);
      } catch {
        /* deleting below stops it too */
      }
      await controller.delete([serial]);
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer from the server')), this.host.timing.forceTimeoutMs)));
    return Promise.race([work, timeout])
      .then(
        () => {
          this.host.out.emit({ type: 'query-deleted', cell: a.run.cell, serial });
          return undefined;
        },
        (e: Error) => e.message,
      )
      .then((error) => {
        clearTimeout(timer);
        this.end(a);
        return { kind: 'cancelled' as const, ...(error ? { error } : {}) };
      });
  }

  dispose(): void {
    for (const a of this.bySerial.values()) a.clearTimers();
  }
}
