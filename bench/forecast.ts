// The forecast before a run and the time left during it, against what a second run of the same workload took (real
// timers, the real engine and record): a workload whose cells take about as long as last time.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../src/orchestrator/engine';
import type { CellSpec } from '../src/plan/cellSpec';
import { recordHeader } from '../src/record/format';
import { RecordWriter } from '../src/record/writer';
import { TimeLeft } from '../src/runModel/timeLeft';
import { cellOrder, learnedDurations, planForecast } from '../src/session/cellOrder';
import { FakeController } from '../test/helpers/fakeController';
import { planFor } from './engine';
import { printTable } from './table';

/** One run of the plan, recorded under `root`; each cell takes its base duration with ±`noise` (a fraction) of jitter. */
async function runOnce(plan: ReturnType<typeof planFor>, root: string, runId: string, base: Map<string, number>, noise: number, seed: number, timeLeft?: TimeLeft) {
  let s = seed;
  const rnd = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const controller = new FakeController((spec: CellSpec) => ({ createDelayMs: 5, runMs: Math.round(base.get(spec.name)! * (1 - noise + 2 * noise * rnd())) }));
  const dir = path.join(root, runId);
  const record = new RecordWriter(dir, []);
  record.append(recordHeader(plan, runId));
  const order = cellOrder(plan, root).cells;
  const engine = new Engine({ plan, controller, runId, order });
  engine.on((e) => record.onEvent(e));
  // Time left at each tenth of the run (by cells done), against what was truly left.
  const samples: { at: number; left: number | undefined }[] = [];
  let next = 0.1;
  if (timeLeft) {
    engine.on((e) => {
      timeLeft.onEvent(engine.state, e);
      const c = engine.state.counts;
      if (e.type === 'cell-finished' && (c.succeeded + c.failed) / plan.cells.length >= next) {
        samples.push({ at: Date.now(), left: timeLeft.left(engine.state, Date.now()) });
        next += 0.1;
      }
    });
  }
  const t0 = Date.now();
  await engine.run();
  const end = Date.now();
  record.close();
  await controller.close();
  return { wallMs: end - t0, samples: samples.map((x) => ({ ...x, truth: end - x.at })) };
}

async function workload(cells: number, concurrency: number, minMs: number, maxMs: number): Promise<Record<string, string | number>> {
  const plan = planFor(cells, concurrency);
  let s = 11;
  const rnd = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const base = new Map(plan.cells.map((c) => [c.queryName, minMs + rnd() * (maxMs - minMs)] as const));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-bench-forecast-'));
  await runOnce(plan, root, '20240101-000000-000-aaaa', base, 0.05, 3);
  const learned = learnedDurations(plan, root);
  const f = planForecast(plan, root, learned);
  if (!('forecast' in f) || 'why' in learned) throw new Error('no forecast after a recorded run');
  const left = new TimeLeft(cellOrder(plan, root, plan.cells, learned).cells, learned.known, plan.concurrency);
  const second = await runOnce(plan, root, '20240101-000001-000-bbbb', base, 0.05, 5, left);
  fs.rmSync(root, { recursive: true, force: true });
  const forecastError = Math.abs(f.forecast.wallMs - second.wallMs) / second.wallMs;
  const liveErrors = second.samples.filter((x) => x.left !== undefined && x.truth > 0).map((x) => Math.abs(x.left! - x.truth) / second.wallMs);
  return {
    workload: `${cells.toLocaleString('en-US')} cells, ${concurrency} at once, ${minMs}-${maxMs} ms`,
    'forecast s': f.forecast.wallMs / 1000,
    'took s': second.wallMs / 1000,
    'forecast error': `${(forecastError * 100).toFixed(1)} %`,
    'target (forecast)': '≤ 10 %',
    'time left, worst error from 10 % on (of the run)': `${(Math.max(0, ...liveErrors) * 100).toFixed(1)} %`,
    'target (time left)': '≤ 15 %',
  };
}

export async function benchForecast(): Promise<void> {
  const rows = [await workload(200, 20, 100, 400), await workload(20_000, 1000, 200, 600)];
  printTable('Forecast before a second run of the same workload, and time left during it (real timers; durations as last time ±5 %)', rows);
}
