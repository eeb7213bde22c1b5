import type { Cell } from './plan';
import { formatDuration } from '../util/duration';

/**
 * Each cell's expected duration from what an earlier run measured: the cell's own last duration, else its date's
 * mean, else the run's mean (undefined when nothing was measured). The same prediction `longest_first` orders by.
 */
export function expectedDurations(cells: readonly Cell[], known: ReadonlyMap<number, number>): ((c: Cell) => number) | undefined {
  const byDate = new Map<string, { sum: number; n: number }>();
  let sum = 0;
  let n = 0;
  for (const c of cells) {
    const d = known.get(c.index);
    if (d === undefined) continue;
    const m = byDate.get(c.date) ?? { sum: 0, n: 0 };
    m.sum += d;
    m.n++;
    byDate.set(c.date, m);
    sum += d;
    n++;
  }
  if (n === 0) return undefined;
  const overall = sum / n;
  return (c) => {
    const d = known.get(c.index);
    if (d !== undefined) return d;
    const m = byDate.get(c.date);
    return m ? m.sum / m.n : overall;
  };
}

/**
 * The wall time of starting `order` with at most `concurrency` at once, each taking `expected` (retries ignored): greedy
 * list scheduling, each item starting when the first slot frees up. `busy`: slots already taken, with the time each
 * frees up (running cells).
 */
export function simulateWall<T>(order: readonly T[], expected: (c: T) => number, concurrency: number, busy: readonly number[] = []): number {
  // A binary min-heap of the times the slots free up.
  const heap: number[] = [];
  const push = (v: number) => {
    heap.push(v);
    for (let i = heap.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (heap[p] <= heap[i]) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l] < heap[m]) m = l;
        if (r < heap.length && heap[r] < heap[m]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  let end = 0;
  for (const b of busy) {
    push(b);
    end = Math.max(end, b);
  }
  for (const c of order) {
    const start = heap.length < concurrency ? 0 : pop();
    const done = start + expected(c);
    end = Math.max(end, done);
    push(done);
  }
  return end;
}

export interface Forecast {
  /** The run the durations come from, and when it started. */
  fromRun: string;
  fromRunAt: number;
  /** Cells the run measured (the rest are estimated from their date's or the run's mean). */
  measured: number;
  cells: number;
  concurrency: number;
  wallMs: number;
  /** The same plan at twice the concurrency. */
  doubled: { concurrency: number; wallMs: number };
  longestMs: number;
}

export function forecast(order: readonly Cell[], known: ReadonlyMap<number, number>, concurrency: number, from: { runId: string; at: number }): Forecast | undefined {
  const expected = expectedDurations(order, known);
  if (!expected) return undefined;
  let longestMs = 0;
  for (const c of order) longestMs = Math.max(longestMs, expected(c));
  return {
    fromRun: from.runId,
    fromRunAt: from.at,
    measured: order.filter((c) => known.has(c.index)).length,
    cells: order.length,
    concurrency,
    wallMs: simulateWall(order, expected, concurrency),
    doubled: { concurrency: concurrency * 2, wallMs: simulateWall(order, expected, concurrency * 2) },
    longestMs,
  };
}

/** "about 42 min at 100 at once (from run X of 2024-11-02); 23 min at 200; the longest cell 3 min 10 s" */
export function forecastText(f: Forecast): string {
  const day = new Date(f.fromRunAt).toISOString().slice(0, 10);
  return `about ${formatDuration(f.wallMs)} at ${f.concurrency} at once (from run ${f.fromRun} of ${day}, ${f.measured} of ${f.cells} cells measured); ${formatDuration(f.doubled.wallMs)} at ${f.doubled.concurrency}; the longest cell ${formatDuration(f.longestMs)}`;
}
