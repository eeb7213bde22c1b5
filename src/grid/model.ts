/**
 * The run grid's data, shared by the editor's Run Grid panel, the `--report` HTML file and the drawing code (which
 * runs in a browser): compact arrays, one entry per cell of the plan, dates × partitions in plan order. No vscode,
 * no node, no DOM here.
 */

export const STATE_NAMES = ['queued', 'waiting to retry', 'creating', 'running', 'succeeded', 'failed', 'stopped', 'not started'] as const;
export type StateName = (typeof STATE_NAMES)[number];
/** Index of "not in this run" (a rerun covers only some cells of the plan). */
export const ABSENT = -1;
export const SUCCEEDED = 4;
export const FAILED = 5;

/** What the grid shows of a run. Times are milliseconds since `t0`, -1 when unknown. */
export interface GridData {
  title: string;
  runId: string;
  dates: string[];
  partitions: number;
  /** A cell's query name is `prefix + dateKeys[row] + '_' + partition` (sent as a rule, not 250,000 strings). */
  names: { prefix: string; dateKeys: string[] };
  /** Index into STATE_NAMES per cell; ABSENT where the run did not cover the cell. */
  states: number[];
  attempts: number[];
  starts: number[];
  ends: number[];
  /** The query's serial per cell ('' when none or the backend has none). */
  serials: string[];
  /** Epoch milliseconds the times count from. */
  t0: number;
  /** When the data was taken (epoch ms): the strip's right edge while the run is live. */
  now: number;
  maxConcurrent: number;
  live: boolean;
  summary: string;
  /** The panel can open logs and rerun cells; the report file cannot. */
  interactive: boolean;
}

/** Only what changed since the last message: the cells, each with its new values, and the run's new summary. */
export interface GridPatch {
  cells: number[];
  states: number[];
  attempts: number[];
  starts: number[];
  ends: number[];
  serials: string[];
  now: number;
  live: boolean;
  summary?: string;
}

export interface CellSource {
  index: number;
  state: number;
  attempt: number;
  createdAt?: number;
  endedAt?: number;
  serial?: string;
}

export function emptyGrid(base: Omit<GridData, 'states' | 'attempts' | 'starts' | 'ends' | 'serials'>): GridData {
  const n = base.dates.length * base.partitions;
  return { ...base, states: new Array<number>(n).fill(ABSENT), attempts: new Array<number>(n).fill(0), starts: new Array<number>(n).fill(-1), ends: new Array<number>(n).fill(-1), serials: new Array<string>(n).fill('') };
}

/** A time as the grid keeps it: ms after t0, -1 when unknown. */
const since = (t0: number, at: number | undefined) => (at === undefined ? -1 : Math.max(0, at - t0));

/** Writes one cell's values into the grid's arrays. */
export function setCell(g: GridData, c: CellSource): void {
  g.states[c.index] = c.state;
  g.attempts[c.index] = c.attempt;
  g.starts[c.index] = since(g.t0, c.createdAt);
  g.ends[c.index] = since(g.t0, c.endedAt);
  g.serials[c.index] = c.serial ?? '';
}

/** A patch straight from the cells' sources (the editor keeps no copy of the arrays it sent). */
export function patchFrom(t0: number, cells: Iterable<CellSource>, now: number, live: boolean, summary?: string): GridPatch {
  const p: GridPatch = { cells: [], states: [], attempts: [], starts: [], ends: [], serials: [], now, live, ...(summary !== undefined ? { summary } : {}) };
  for (const c of cells) {
    p.cells.push(c.index);
    p.states.push(c.state);
    p.attempts.push(c.attempt);
    p.starts.push(since(t0, c.createdAt));
    p.ends.push(since(t0, c.endedAt));
    p.serials.push(c.serial ?? '');
  }
  return p;
}

/** Applies a patch in place; O(cells in the patch). */
export function applyPatch(g: GridData, p: GridPatch): void {
  for (let k = 0; k < p.cells.length; k++) {
    const i = p.cells[k];
    g.states[i] = p.states[k];
    g.attempts[i] = p.attempts[k];
    g.starts[i] = p.starts[k];
    g.ends[i] = p.ends[k];
    g.serials[i] = p.serials[k];
  }
  g.now = p.now;
  g.live = p.live;
  if (p.summary !== undefined) g.summary = p.summary;
}

export function countStates(states: readonly number[]): number[] {
  const counts = new Array<number>(STATE_NAMES.length).fill(0);
  for (const s of states) if (s >= 0) counts[s]++;
  return counts;
}

export function cellName(g: Pick<GridData, 'names' | 'partitions'>, i: number): string {
  return `${g.names.prefix}${g.names.dateKeys[Math.floor(i / g.partitions)]}_${i % g.partitions}`;
}

export function durationOf(g: Pick<GridData, 'starts' | 'ends'>, i: number): number {
  const s = g.starts[i];
  const e = g.ends[i];
  return s >= 0 && e >= s ? e - s : -1;
}

/** The smallest and largest finished duration (ms), for the heat scale; undefined when nothing finished. */
export function durationRange(g: Pick<GridData, 'starts' | 'ends'>): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < g.starts.length; i++) {
    const d = durationOf(g, i);
    if (d < 0) continue;
    if (d < min) min = d;
    if (d > max) max = d;
  }
  return min <= max ? { min, max } : undefined;
}

/** Position 0..1 of a duration on the heat scale (logarithmic when the range spans more than 10×). */
export function heat(d: number, r: { min: number; max: number }): number {
  if (r.max <= r.min) return 0.5;
  if (r.max > 10 * Math.max(1, r.min)) return (Math.log(Math.max(1, d)) - Math.log(Math.max(1, r.min))) / (Math.log(r.max) - Math.log(Math.max(1, r.min)));
  return (d - r.min) / (r.max - r.min);
}

export interface Strip {
  /** Width of one bucket in ms. */
  bucketMs: number;
  /** Queries alive at the middle of each bucket. */
  live: number[];
  /** Outcome bins (a minute, or shorter for a short run): cells that succeeded and failed in each. */
  binMs: number;
  succeeded: number[];
  failed: number[];
  spanMs: number;
}

const BINS = [1000, 5000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000];

/**
 * Queries alive over time (from each cell's creation to its end, or to `now` while it runs) in `buckets` slices, and
 * successes and failures per bin: O(cells + buckets), from the cells' final attempts.
 */
export function strip(g: Pick<GridData, 'states' | 'starts' | 'ends' | 'now' | 't0'>, buckets: number): Strip {
  const nowMs = Math.max(0, g.now - g.t0);
  let span = 1;
  for (let i = 0; i < g.starts.length; i++) {
    if (g.starts[i] < 0) continue;
    const e = g.ends[i] >= 0 ? g.ends[i] : nowMs;
    if (e > span) span = e;
  }
  const n = Math.max(1, buckets);
  const bucketMs = span / n;
  const binMs = BINS.find((b) => span / b <= 150) ?? BINS[BINS.length - 1];
  // A cell counts in the buckets whose middle falls inside [start, end): a difference array, then a running sum.
  const delta = new Array<number>(n + 1).fill(0);
  const bins = Math.floor(span / binMs) + 1;
  const ok = new Array<number>(bins).fill(0);
  const bad = new Array<number>(bins).fill(0);
  for (let i = 0; i < g.starts.length; i++) {
    const s = g.starts[i];
    if (s < 0) continue;
    const e = g.ends[i] >= 0 ? g.ends[i] : nowMs;
    const bs = Math.max(0, Math.ceil(s / bucketMs - 0.5));
    const be = Math.min(n, Math.ceil(e / bucketMs - 0.5));
    if (be > bs) {
      delta[bs]++;
      delta[be]--;
    }
    if (g.ends[i] >= 0) {
      const m = Math.floor(g.ends[i] / binMs);
      if (g.states[i] === SUCCEEDED) ok[m]++;
      else if (g.states[i] === FAILED) bad[m]++;
    }
  }
  const live = new Array<number>(n).fill(0);
  let cur = 0;
  for (let b = 0; b < n; b++) {
    cur += delta[b];
    live[b] = cur;
  }
  return { bucketMs, live, binMs, succeeded: ok, failed: bad, spanMs: span };
}

/** Rows and columns: dates as rows unless the other way round fits a panel of this shape better. */
export function orientation(dates: number, partitions: number, width: number, height: number): boolean {
  const fit = (rows: number, cols: number) => Math.min(width / cols, height / rows);
  return fit(partitions, dates) > fit(dates, partitions) * 1.5;
}

/** The page writes durations as the CLI and the tree do. */
export { formatDuration as formatMs } from '../util/duration';
