import type { Cell } from '../plan/plan';
import { expectedDurations, simulateWall } from '../plan/forecast';
import type { RunState } from './runState';

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'not-started']);

/**
 * The time a run has left: the forecast's durations (from the last run of the same plan) corrected by what this run
 * has seen. A cell with a measured duration takes it scaled by how this run's cells compare with their measurements;
 * a cell without one takes the running mean of its date in this run, then of the run, then the forecast's estimate.
 * What is shown moves smoothly: each estimate pulls the countdown a fifth of the way, so one slow cell does not make
 * it jump.
 */
export class TimeLeft {
  private readonly base: ((c: Cell) => number) | undefined;
  private observed = 0;
  private measuredOfObserved = 0;
  private readonly byDate = new Map<string, { sum: number; n: number }>();
  private runSum = 0;
  private runN = 0;
  private shown: { ms: number; at: number } | undefined;

  constructor(private readonly order: readonly Cell[], private readonly history: ReadonlyMap<number, number>, private readonly concurrency: number) {
    this.base = expectedDurations(order, history);
  }

  /** A cell of this run ended after `ms`. */
  observe(cell: Cell, ms: number): void {
    const h = this.history.get(cell.index);
    if (h !== undefined && h > 0) {
      this.observed += ms;
      this.measuredOfObserved += h;
    }
    const m = this.byDate.get(cell.date) ?? { sum: 0, n: 0 };
    m.sum += ms;
    m.n++;
    this.byDate.set(cell.date, m);
    this.runSum += ms;
    this.runN++;
  }

  private expected(c: Cell): number | undefined {
    const ratio = this.measuredOfObserved > 0 ? this.observed / this.measuredOfObserved : 1;
    const h = this.history.get(c.index);
    if (h !== undefined) return h * ratio;
    const d = this.byDate.get(c.date);
    if (d) return d.sum / d.n;
    if (this.runN) return this.runSum / this.runN;
    return this.base ? this.base(c) * ratio : undefined;
  }

  /** The raw estimate: the rest of the schedule simulated from now (running cells first), or undefined. */
  estimate(state: RunState<Cell>, now: number): number | undefined {
    const busy: number[] = [];
    const waiting: number[] = [];
    for (const c of this.order) {
      const r = state.cells.get(c.index);
      if (!r || FINAL.has(r.state)) continue;
      const e = this.expected(c);
      if (e === undefined) return undefined;
      if (r.state === 'active' || r.state === 'creating') busy.push(Math.max(0, e - (now - (r.createdAt ?? now))));
      else waiting.push(e);
    }
    return simulateWall(waiting, (ms) => ms, this.concurrency, busy);
  }

  /**
   * What to show: a countdown, pulled a fifth of the way towards a new estimate at most once a second (an estimate
   * walks every cell not yet final: at 250,000 cells it is worth doing once a second, not at every redraw).
   */
  left(state: RunState<Cell>, now: number): number | undefined {
    const counted = this.shown ? Math.max(0, this.shown.ms - (now - this.shown.at)) : undefined;
    if (this.shown && counted !== undefined && now - this.shown.at < 1000) return counted;
    const e = this.estimate(state, now);
    if (e === undefined) return counted;
    const ms = counted === undefined ? e : counted + (e - counted) / 5;
    this.shown = { ms, at: now };
    return ms;
  }

  /** Feeds it a run's events: each finished cell's duration, read from the state the event was applied to. */
  onEvent(state: RunState<Cell>, e: { type: string; cell?: Cell; outcome?: string }): void {
    if (e.type !== 'cell-finished' || !e.cell || (e.outcome !== 'succeeded' && e.outcome !== 'failed')) return;
    const r = state.cells.get(e.cell.index);
    if (r?.createdAt !== undefined && r.endedAt !== undefined) this.observe(e.cell, r.endedAt - r.createdAt);
  }
}
