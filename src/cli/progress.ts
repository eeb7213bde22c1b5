import type { RunEvent } from '../runModel/events';
import { progressOf, type RunState } from '../runModel/runState';
import type { TimeLeft } from '../runModel/timeLeft';
import type { Cell } from '../plan/plan';
import { formatDuration } from '../util/duration';

/** A one-line live view for terminals, drawn from the run state (at most every 100 ms). */
export class ProgressLine {
  private lastDraw = 0;
  private shown = false;

  constructor(private readonly state: RunState, private readonly write: (t: string) => void, private readonly timeLeft?: TimeLeft) {}

  update(e: RunEvent): void {
    if (e.type !== 'cell-created' && e.type !== 'cell-finished' && e.type !== 'cell-requeued') return;
    const now = Date.now();
    if (now - this.lastDraw > 100 || progressOf(this.state.counts).done === this.state.counts.total) this.draw(now);
  }

  private draw(now: number): void {
    this.lastDraw = now;
    const c = this.state.counts;
    const done = progressOf(c).done;
    const width = 24;
    const filled = c.total ? Math.round((done / c.total) * width) : width;
    const left = done < c.total ? this.timeLeft?.left(this.state as RunState<Cell>, now) : undefined;
    this.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${c.total} done, ${c.active} running, ${c.failed} failed${left !== undefined ? `, about ${formatDuration(left)} left` : ''}`);
    this.shown = true;
  }

  /** Clears the line so a log line can print; the next update draws it again. */
  clear(): void {
    if (this.shown) this.write('\r\x1b[2K');
    this.shown = false;
    this.lastDraw = 0;
  }
}
