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

/** How an attempt ended, for the engine to act on. */
export type AttemptEnd =
  | { kind: 'succeeded' }
  | { kind: 'no-capacity'; state: QueryState }
  | { kind: 'failed'; headline: string; state: QueryState }
  | { kind: 'cancelled'; error?: string };

export interface AttemptHost<R extends { cell: Cell }> {
  controller: Controller;
  timing: { stopGraceMs: number; forceTimeoutMs: number };
  limit: { ms: number; what: string; untilRunning: boolean };
  emit: Emit;
  log(level: 'warning' | 'error' | 'info', message: string): void;
  ended(a: Attempt<R>, how: AttemptEnd): void;
}

/**
 * The life of every attempt: the status events that move it, the watchdog (and the grace period after a stop), and
 * the forceful stop. What an ending means for the cell is the engine's business (`host.ended`).
 */
export class Attempts<R extends { cell: Cell }> {
  readonly live = new Set<Attempt<R>>();
  private readonly bySerial = new Map<string, Attempt<R>>();

  constructor(private readonly host: AttemptHost<R>) {}

  attach(run: R, serial: string, number: number, adopted: boolean): Attempt<R> {
    const a = new Attempt(run, serial, number);
    this.bySerial.set(serial, a);
    this.live.add(a);
    this.host.emit({ type: 'cell-created', cell: run.cell, attempt: number, serial, adopted });
    a.watchdog = setTimeout(() => this.onWatchdog(a), this.host.limit.ms);
    const state = this.host.controller.get(serial);
    if (state) this.onState(state);
    return a;
  }

  get(serial: string): Attempt<R> | undefined {
    return this.bySerial.get(serial);
  }

  onState(state: QueryState): void {
    const a = this.bySerial.get(state.serial);
    if (!a || a.done) return;
    if (state.status && state.status !== a.lastStatus) {
      a.lastStatus = state.status;
      this.host.emit({ type: 'cell-status', cell: a.run.cell, attempt: a.number, serial: a.serial, status: state.status });
    }
    if (state.phase === 'running' && this.host.limit.untilRunning && a.watchdog) {
      clearTimeout(a.watchdog);
      a.watchdog = undefined;
    }
    if (!isFinal(state.phase)) return;
    this.end(a);
    if (a.stoppedBy === 'cancel') return; // forceStop reports it
    if (a.stoppedBy === 'timeout') this.host.ended(a, { kind: 'failed', headline: a.timeoutDetail ?? 'timed out', state });
    else if (state.phase === 'succeeded') this.host.ended(a, { kind: 'succeeded' });
    else if (state.phase === 'no-capacity') this.host.ended(a, { kind: 'no-capacity', state });
    else this.host.ended(a, { kind: 'failed', headline: `query ended ${state.status}`, state });
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
    this.host.log('warning', `${name} (serial ${a.serial}) ${a.timeoutDetail}: stopping it`);
    this.host.controller.stop([a.serial]).catch((e) => this.host.log('warning', `could not stop ${name} (serial ${a.serial}): ${(e as Error).message}`));
    a.graceTimer = setTimeout(() => {
      if (a.done) return;
      this.host.log('warning', `${name} (serial ${a.serial}) did not report stopping within ${Math.round(this.host.timing.stopGraceMs / 1000)} s; freeing its slot`);
      this.onState({ serial: a.serial, name, phase: 'stopped', status: 'Stopped' });
    }, this.host.timing.stopGraceMs);
  }

  /** Stops and deletes the attempt's query; resolves once it is gone or the server did not answer in time. */
  forceStop(a: Attempt<R>): Promise<void> | undefined {
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
          this.host.emit({ type: 'query-deleted', cell: a.run.cell, serial });
          return undefined;
        },
        (e: Error) => e.message,
      )
      .then((error) => {
        clearTimeout(timer);
        this.end(a);
        this.host.ended(a, { kind: 'cancelled', ...(error ? { error } : {}) });
      });
  }

  dispose(): void {
    for (const a of this.bySerial.values()) a.clearTimers();
  }
}
