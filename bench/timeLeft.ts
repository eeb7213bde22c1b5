// The time-left estimate over a run: how far it is from the truth at each tenth of the run, and how much it moves.
import type { Cell } from '../src/plan/plan';
import { forecast } from '../src/plan/forecast';
import { applyEvent, createRunState } from '../src/runModel/runState';
import { TimeLeft } from '../src/runModel/timeLeft';
import { planFor } from './engine';
import { printTable } from './table';

/** A seeded random number generator, so every run of the bench measures the same runs. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * One run in virtual time: the last run measured each cell; this run's cells take `drift` times as long, with noise,
 * and a tenth of the cells were never measured. Cells start in plan order on `concurrency` slots.
 */
function simulate(cells: number, concurrency: number, drift: number, seed: number): Record<string, string | number> {
  const plan = planFor(cells, concurrency);
  const random = rng(seed);
  const history = new Map<number, number>();
  const actual = new Map<number, number>();
  for (const c of plan.cells) {
    const base = 60_000 + random() * 240_000;
    if (random() > 0.1) history.set(c.index, base);
    actual.set(c.index, base * drift * (0.7 + random() * 0.6));
  }
  const f = forecast(plan.cells, history, concurrency, { runId: 'last', at: 0 })!;
  const state = createRunState(plan.cells);
  const left = new TimeLeft(plan.cells, history, concurrency);
  // The schedule: each cell starts when a slot frees up; events in time order.
  const events: { at: number; cell: Cell; kind: 'start' | 'end' }[] = [];
  const free: number[] = new Array(concurrency).fill(0);
  for (const c of plan.cells) {
    free.sort((a, b) => a - b);
    const start = free.shift()!;
    const end = start + actual.get(c.index)!;
    free.push(end);
    events.push({ at: start, cell: c, kind: 'start' }, { at: end, cell: c, kind: 'end' });
  }
  events.sort((a, b) => a.at - b.at || (a.kind === 'end' ? -1 : 1));
  const wall = events[events.length - 1].at;
  const errors: number[] = [];
  let lastShown: number | undefined;
  let maxJump = 0;
  let maxJumpLater = 0;
  let nextSample = 0;
  for (const e of events) {
    if (e.kind === 'start') {
      applyEvent(state, { type: 'cell-creating', cell: e.cell, attempt: 1, at: e.at });
      applyEvent(state, { type: 'cell-created', cell: e.cell, attempt: 1, serial: String(e.cell.index), adopted: false, at: e.at });
    } else {
      const fin = { type: 'cell-finished', cell: e.cell, attempt: 1, outcome: 'succeeded', serial: String(e.cell.index), at: e.at } as const;
      applyEvent(state, fin);
      left.onEvent(state, fin);
    }
    // The display asks once a second of run time.
    while (nextSample <= e.at && nextSample < wall) {
      const shown = left.left(state, nextSample);
      if (shown !== undefined && lastShown !== undefined) {
        const jump = Math.abs(shown - (lastShown - 1000)) / wall;
        maxJump = Math.max(maxJump, jump);
        if (nextSample > wall / 10) maxJumpLater = Math.max(maxJumpLater, jump);
      }
      lastShown = shown;
      if (shown !== undefined && Math.floor((nextSample / wall) * 10) !== Math.floor(((nextSample - 1000) / wall) * 10)) errors.push(Math.abs(shown - (wall - nextSample)) / wall);
      nextSample += 1000;
    }
  }
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return {
    cells,
    'this run vs last': `${drift}×`,
    'forecast / actual': (f.wallMs / wall).toFixed(2),
    'time-left error at each tenth of the run (of the wall time)': errors.map(pct).join(' '),
    'largest error after 10%': pct(Math.max(...errors.slice(1))),
    'largest move in one second (of the wall time): first tenth / after': `${pct(maxJump)} / ${pct(maxJumpLater)}`,
  };
}

export function benchTimeLeft(): void {
  printTable(
    'Time left during a run (virtual time, seeded): the last run measured 90% of the cells; this run is slower or faster than it, each cell with ±30% noise. Target: within 10% of the wall time after the first tenth, no move over 2% in one second after the first tenth (the first finished cells correct the forecast)',
    [simulate(5_000, 100, 1, 1), simulate(5_000, 100, 1.3, 2), simulate(5_000, 100, 0.7, 3), simulate(20_000, 500, 1.3, 4)],
  );
}
