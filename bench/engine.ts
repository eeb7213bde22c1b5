import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Controller, QueryState } from '../src/controllers/controller';
import { Engine } from '../src/orchestrator/engine';
import { buildPlan, type Cell } from '../src/plan/plan';
import { longestFirst } from '../src/plan/order';
import type { CellSpec } from '../src/plan/cellSpec';
import { RecordWriter } from '../src/record/writer';
import { analyze, BATCH_CONFIG, edit } from '../test/helpers/configs';
import { FakeController } from '../test/helpers/fakeController';
import { printTable } from './table';
import { RunStore } from '../src/extension/runs/runStore';
import type { RunEvent } from '../src/runModel/events';

export function planFor(cells: number, concurrency: number) {
  // 1000 partitions per date; enough dates for `cells`.
  const partitions = Math.min(1000, cells);
  const days = Math.ceil(cells / partitions);
  const end = new Date(Date.UTC(2024, 0, 1) + (days - 1) * 86_400_000).toISOString().slice(0, 10);
  let text = edit(BATCH_CONFIG, 'num_partitions: 2', `num_partitions: ${partitions}`);
  text = edit(text, 'max_concurrent_sessions: 4', `max_concurrent_sessions: ${concurrency}`);
  text = edit(text, 'weekdays_only: true', 'weekdays_only: false');
  text = edit(text, 'end: "2024-01-31"', `end: "${end}"`);
  text = edit(text, 'script_language: "Python"', 'script_language: "Python"\n  max_failures: 1000000');
  const r = analyze(text, { largePlanCells: Infinity });
  if (!r.config) throw new Error(r.problems.map((p) => p.message).join('; '));
  const plan = buildPlan(r.config, 'pass');
  plan.cells.length = cells;
  return plan;
}

/** (a) Ideal makespan / measured makespan with real timers. */
export async function benchEfficiency(): Promise<void> {
  const cells = 2000;
  const concurrency = 100;
  const createMs = 20;
  let seed = 7;
  const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const durations = Array.from({ length: cells }, () => 200 + rnd() * 200);
  const plan = planFor(cells, concurrency);
  const byName = new Map(plan.cells.map((c, i) => [c.queryName, durations[i]]));
  const controller = new FakeController((spec: CellSpec) => ({ createDelayMs: createMs, runMs: byName.get(spec.name)! - 2 }));
  const engine = new Engine({ plan, controller, runId: 'bench' });
  const t0 = performance.now();
  const summary = await engine.run();
  const measured = performance.now() - t0;
  const totalWork = durations.reduce((a, b) => a + b + createMs, 0);
  const ideal = Math.max(totalWork / concurrency, Math.max(...durations) + createMs);
  printTable('(a) Scheduling efficiency: 2,000 cells, concurrency 100, creation 20 ms, durations 200-400 ms', [
    { cells, concurrency, 'ideal s': ideal / 1000, 'measured s': measured / 1000, efficiency: ideal / measured, 'max live': controller.maxLive, succeeded: summary.succeeded, target: '>= 0.95' },
  ]);
}

/** A controller that answers at once: what is left is the engine's own cost. */
class InstantController implements Controller {
  readonly kind = 'instant';
  private seq = 0;
  private readonly states = new Map<string, QueryState>();
  private listener?: (s: QueryState) => void;
  subscribe(l: (s: QueryState) => void) {
    this.listener = l;
    return () => (this.listener = undefined);
  }
  async create(spec: CellSpec) {
    const serial = String(++this.seq);
    const st: QueryState = { serial, name: spec.name, phase: 'running', status: 'Running' };
    this.states.set(serial, st);
    queueMicrotask(() => {
      const done: QueryState = { ...st, phase: 'succeeded', status: 'Completed' };
      this.states.set(serial, done);
      this.listener?.(done);
    });
    return serial;
  }
  async stop() {}
  async delete(serials: string[]) {
    for (const s of serials) this.states.delete(s);
  }
  get(serial: string) {
    return this.states.get(serial);
  }
  findByName() {
    return undefined;
  }
  async log() {
    return undefined;
  }
  async close() {}
}

/** (b) Engine cost per cell and peak memory, record on. */
export async function benchEngineCost(): Promise<void> {
  const rows = [];
  for (const cells of [10_000, 100_000]) {
    global.gc?.();
    const plan = planFor(cells, 1000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-bench-rec-'));
    const record = new RecordWriter(dir, []);
    const engine = new Engine({ plan, controller: new InstantController(), runId: 'bench' });
    engine.on((e) => record.onEvent(e));
    const heap0 = process.memoryUsage().heapUsed;
    let peak = heap0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    const t0 = performance.now();
    const summary = await engine.run();
    const ms = performance.now() - t0;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    record.close();
    const size = fs.statSync(path.join(dir, 'record.jsonl')).size;
    fs.rmSync(dir, { recursive: true, force: true });
    rows.push({ cells, 'total s': ms / 1000, 'µs per cell': (ms * 1000) / cells, 'peak heap growth MB': (peak - heap0) / 1e6, 'record MB': size / 1e6, succeeded: summary.succeeded, target: '<= 50 µs/cell' });
  }
  printTable('(b) Engine cost, instant cells, record on', rows);
}

/**
 * (b2) What the editor does per event (store update, status bar counts, badge) at two run sizes: with the run-state
 * reducer it must not grow with the run (it used to rescan every cell on every event).
 */
export async function benchStoreCost(): Promise<void> {
  const rows = [];
  for (const cells of [1_000, 100_000]) {
    const plan = planFor(cells, 1000);
    const store = new RunStore();
    const run = store.addRun(plan, 'bench');
    const events: RunEvent[] = [];
    for (const cell of plan.cells) {
      events.push({ type: 'cell-creating', cell, attempt: 1, at: 0 });
      events.push({ type: 'cell-created', cell, attempt: 1, serial: String(cell.index), adopted: false, at: 0 });
      events.push({ type: 'cell-finished', cell, attempt: 1, outcome: cell.index % 50 === 0 ? 'failed' : 'succeeded', kind: 'execution', serial: String(cell.index), at: 0 });
    }
    let sink = 0;
    const t0 = performance.now();
    for (const e of events) {
      store.apply(run, e);
      const c = store.counts(run);
      sink += c.succeeded + store.failures();
    }
    const ms = performance.now() - t0;
    rows.push({ cells, events: events.length, 'µs per event': (ms * 1000) / events.length, 'failed shown': store.failures(), check: sink > 0 ? 'ok' : '-', target: 'same at both sizes (O(1))' });
  }
  printTable('(b2) Editor cost per event: store update + status counts + badge', rows);
}

/**
 * (a2) History-aware ordering on the 200-cell workload (50 at once, durations 5-10 s by cell, here scaled to
 * 50-100 ms): date order, then a second run with execution.order longest_first learning from the first.
 */
export async function benchOrder(): Promise<void> {
  const cells = 200;
  const concurrency = 50;
  let seed = 11;
  const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const plan = planFor(cells, concurrency);
  const byName = new Map(plan.cells.map((c) => [c.queryName, 50 + rnd() * 50]));
  const durations = [...byName.values()];
  const ideal = Math.max(durations.reduce((a, b) => a + b, 0) / concurrency, Math.max(...durations));
  const once = async (order?: readonly Cell[]) => {
    const controller = new FakeController((spec: CellSpec) => ({ runMs: byName.get(spec.name)! - 2 }));
    const engine = new Engine({ plan, controller, runId: 'bench', ...(order ? { order } : {}) });
    const t0 = performance.now();
    await engine.run();
    return { ms: performance.now() - t0, state: engine.state };
  };
  const first = await once();
  const known = new Map<number, number>();
  for (const r of first.state.cells.values()) if (r.createdAt !== undefined && r.endedAt !== undefined) known.set(r.cell.index, r.endedAt - r.createdAt);
  const second = await once(longestFirst(plan.cells, known));
  printTable('(a2) Ordering: 200 cells, 50 at once, durations 50-100 ms by cell (the 5-10 s workload scaled 1:100)', [
    { order: 'dates (first run)', 'ideal s': ideal / 1000, 'measured s': first.ms / 1000, 'x ideal': first.ms / ideal, target: '-' },
    { order: 'longest_first (second run)', 'ideal s': ideal / 1000, 'measured s': second.ms / 1000, 'x ideal': second.ms / ideal, target: '<= 1.05' },
  ]);
}
