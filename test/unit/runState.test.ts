import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { Engine } from '../../src/orchestrator/engine';
import type { CellOutcome, RunEvent, RunSummary } from '../../src/runModel/events';
import { applyEvent, createRunState, progressOf, zeroCounts, type RunState, type StateCounts } from '../../src/runModel/runState';
import { buildPlan, type Cell, type Plan } from '../../src/plan/plan';
import { readRecord } from '../../src/record/reader';
import { recordHeader } from '../../src/record/format';
import { RecordWriter } from '../../src/record/writer';
import { recordedState } from '../../src/record/replay';
import { analyze, BATCH_CONFIG, edit } from '../helpers/configs';
import { FakeController } from '../helpers/fakeController';

function plan(dates = 4, partitions = 3): Plan {
  let t = edit(BATCH_CONFIG, 'end: "2024-01-31"', `end: "2024-01-${String(dates).padStart(2, '0')}"`);
  t = t.replace(/num_partitions: \d+/, `num_partitions: ${partitions}`);
  const r = analyze(t);
  assert.ok(r.config, JSON.stringify(r.problems));
  return buildPlan(r.config, 'print(1)');
}

/** Counts from scratch, the slow way, to check the reducer's incremental ones. */
function recount(state: RunState<Cell>, date?: string): StateCounts {
  const c = zeroCounts();
  c.pending = 0;
  for (const r of state.cells.values()) {
    if (date && r.cell.date !== date) continue;
    c.total++;
    switch (r.state) {
      case 'pending': c.pending++; break;
      case 'waiting-retry': c.waiting++; break;
      case 'creating': c.creating++; break;
      case 'active': c.active++; break;
      case 'succeeded': c.succeeded++; break;
      case 'cancelled': c.cancelled++; break;
      case 'not-started': c.notStarted++; break;
      case 'failed':
        c.failed++;
        if (r.kind === 'creation') c.failedCreation++;
        else c.failedExecution++;
        break;
    }
  }
  return c;
}

const OUTCOMES: CellOutcome[] = ['succeeded', 'failed', 'cancelled', 'not-started'];

function arbitraryEvent(cells: readonly Cell[]): fc.Arbitrary<RunEvent> {
  const cell = fc.constantFrom(...cells);
  const attempt = fc.integer({ min: 1, max: 4 });
  const serial = fc.constantFrom('1', '2', '3');
  return fc.oneof(
    fc.record({ type: fc.constant('cell-creating' as const), cell, attempt, at: fc.nat() }),
    fc.record({ type: fc.constant('cell-created' as const), cell, attempt, serial, adopted: fc.boolean(), at: fc.nat() }),
    fc.record({ type: fc.constant('cell-status' as const), cell, attempt, serial, status: fc.constantFrom('Running', 'Failed'), at: fc.nat() }),
    fc.record({ type: fc.constant('cell-create-failed' as const), cell, attempt, error: fc.string(), retryInMs: fc.option(fc.nat(), { nil: undefined }), at: fc.nat() }),
    fc.record({ type: fc.constant('cell-requeued' as const), cell, attempt, reason: fc.string(), at: fc.nat() }),
    fc.record({ type: fc.constant('cell-finished' as const), cell, attempt, outcome: fc.constantFrom(...OUTCOMES), kind: fc.constantFrom('creation' as const, 'execution' as const), serial, detail: fc.string(), at: fc.nat() }),
    fc.record({ type: fc.constant('query-deleted' as const), cell, serial, at: fc.nat() }),
    fc.record({ type: fc.constant('cancel-requested' as const), stage: fc.constantFrom('graceful' as const, 'forceful' as const), at: fc.nat() }),
  ) as fc.Arbitrary<RunEvent>;
}

describe('run state reducer', () => {
  it('any sequence of events: the counts equal a recount from scratch, per run and per date', () => {
    const p = plan(3, 2);
    fc.assert(
      fc.property(fc.array(arbitraryEvent(p.cells), { maxLength: 120 }), (events) => {
        const state = createRunState(p.cells);
        for (const e of events) {
          applyEvent(state, e);
          assert.deepEqual(state.counts, recount(state));
        }
        for (const d of state.dates) assert.deepEqual(state.byDate.get(d)!.counts, recount(state, d), d);
        const failed = [...state.cells.values()].filter((r) => r.state === 'failed').length;
        assert.equal(state.counts.failed, failed);
        assert.equal(state.counts.total, p.cells.length);
      }),
      { numRuns: 300 },
    );
  });

  it('costs the same per event at 100 cells and at 100,000 (no rescans)', () => {
    // Not a timing assertion: the reducer touches one cell and one date per event, so the work it does (counted as
    // cells visited) does not grow with the run.
    for (const [dates, partitions] of [[10, 10], [100, 1000]] as const) {
      const cells: Cell[] = [];
      for (let d = 0; d < dates; d++) for (let q = 0; q < partitions; q++) cells.push({ index: cells.length, date: `d${d}`, partition: q, queryName: `q${cells.length}` });
      const state = createRunState(cells);
      let visited = 0;
      let scans = 0;
      // Every way to reach cells is counted: a lookup, or any walk over them (a rescan).
      const counting = new Proxy(state.cells, {
        get(target, prop, recv) {
          if (prop === 'get') return (k: number) => (visited++, target.get(k));
          if (prop === 'values' || prop === 'entries' || prop === 'keys' || prop === 'forEach' || prop === Symbol.iterator) scans++;
          const v = Reflect.get(target, prop, recv);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
      state.cells = counting;
      for (let i = 0; i < 1000; i++) applyEvent(state, { type: 'cell-creating', cell: cells[i % cells.length], attempt: 1, at: i });
      assert.equal(visited, 1000, `${cells.length} cells: one lookup per event`);
      assert.equal(scans, 0, `${cells.length} cells: no walk over the cells`);
    }
  });

  it('a live run and its record, replayed, give the same state', async () => {
    for (const seed of [1, 7, 42, 1234]) {
      let x = seed;
      const rnd = () => ((x = (x * 48271) % 2147483647) / 2147483647);
      const p = plan(4, 3);
      const controller = new FakeController(() => {
        const r = rnd();
        if (r < 0.15) return { reject: 'refused' };
        if (r < 0.25) return { reject: 'capacity' };
        return { runMs: Math.floor(rnd() * 8), end: rnd() < 0.3 ? 'Failed' : 'Completed', detail: 'Traceback: boom' };
      });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-replay-'));
      const writer = new RecordWriter(dir, []);
      writer.append(recordHeader(p, 'live-run'));
      const engine = new Engine({ plan: p, controller, runId: 'live-run', timing: { retryBaseMs: 2, retryMaxMs: 5, capacityRequeueMs: 2, stallIterationMs: 60_000 }, random: rnd });
      engine.on((e) => writer.onEvent(e));
      const summary: RunSummary = await engine.run();
      writer.close();
      await controller.close();
      const replayed = recordedState(readRecord(dir)!, p);
      const live = engine.state;
      const strip = (s: RunState<Cell>) => ({
        runId: s.runId,
        phase: s.phase,
        cancel: s.cancel,
        counts: s.counts,
        byDate: [...s.byDate].map(([d, v]) => [d, v.counts]),
        created: s.created,
        failures: s.failures.map((f) => [f.cell.index, f.kind, f.attempt, f.serial, f.detail]),
        cells: [...s.cells.values()].map((r) => ({ ...r, cell: r.cell.index, status: undefined, logFile: undefined })),
        exitCode: s.exitCode,
        endedAt: s.endedAt,
      });
      assert.deepEqual(strip(replayed), strip(live), `seed ${seed}`);
      assert.equal(live.counts.succeeded, summary.succeeded);
      assert.equal(live.counts.failed, summary.failedCreation + summary.failedExecution);
    }
  });
});

describe('progressOf: one meaning of "done"', () => {
  it('a stopped run is done when every cell is final: stopped and never-started cells count, and make it resumable', () => {
    const c = { ...zeroCounts(), total: 6, succeeded: 2, failed: 1, failedExecution: 1, cancelled: 1, notStarted: 2 };
    const p = progressOf(c);
    assert.equal(p.done, 6, 'the notification reaches 100 %');
    assert.equal(p.stopped, 3);
    assert.ok(p.resumable);
    const live = progressOf({ ...zeroCounts(), total: 6, succeeded: 1, creating: 1, active: 2, pending: 1, waiting: 1 });
    assert.deepEqual([live.done, live.running, live.waiting, live.resumable], [1, 3, 2, false]);
  });
});
