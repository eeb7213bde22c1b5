import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Engine } from '../../src/orchestrator/engine';
import type { EngineTiming } from '../../src/orchestrator/engineOptions';
import type { RunEvent, RunSummary } from '../../src/runModel/events';
import { buildPlan, type Plan } from '../../src/plan/plan';
import type { CellSpec } from '../../src/plan/cellSpec';
import { configIdentity, type QueryMark } from '../../src/plan/mark';
import { analyze, BATCH_CONFIG, edit, REPLAY_CONFIG } from '../helpers/configs';
import { FakeController, sleep, type Script } from '../helpers/fakeController';

const FAST: Partial<EngineTiming> = { retryBaseMs: 5, retryMaxMs: 40, capacityRequeueMs: 5, stallIterationMs: 10_000, stopGraceMs: 200, forceTimeoutMs: 500 };

function plan(text: string, changes: [string, string][] = []): Plan {
  let t = text;
  for (const [a, b] of changes) t = edit(t, a, b);
  const r = analyze(t);
  assert.ok(r.config, JSON.stringify(r.problems));
  return buildPlan(r.config, 'print(1)');
}

/** The mark a run of `p` with this id puts on its queries. */
const markOf = (p: Plan, run: string): QueryMark => ({ config: configIdentity(p.name, p.config.file), run, fingerprint: p.hash });

/** 4 dates × 2 partitions = 8 cells, batch, concurrency 3. */
const batch = (more: [string, string][] = []) => plan(BATCH_CONFIG, [['end: "2024-01-31"', 'end: "2024-01-04"'], ['max_concurrent_sessions: 4', 'max_concurrent_sessions: 3'], ...more]);

async function run(p: Plan, script: (spec: CellSpec, attempt: number) => Script, opts: { timing?: Partial<EngineTiming>; during?: (e: Engine, events: RunEvent[]) => void } = {}) {
  const controller = new FakeController(script);
  const engine = new Engine({ plan: p, controller, runId: 'test', timing: { ...FAST, ...opts.timing }, random: () => 0.5 });
  const events: RunEvent[] = [];
  engine.on((e) => events.push(e));
  opts.during?.(engine, events);
  const summary = await engine.run();
  await controller.close();
  return { summary, events, controller, engine };
}

function addsUp(s: RunSummary): void {
  assert.equal(s.succeeded + s.failedCreation + s.failedExecution + s.cancelled + s.notStarted, s.cells, JSON.stringify(s));
}

function finishedOnce(events: RunEvent[], cells: number): void {
  const finals = events.filter((e) => e.type === 'cell-finished');
  const seen = new Set(finals.map((e) => (e as { cell: { index: number } }).cell.index));
  assert.equal(finals.length, cells, 'one cell-finished per cell');
  assert.equal(seen.size, cells);
}

describe('engine', () => {
  it('runs every cell, never more than the concurrency at once, and deletes successes', async () => {
    const p = batch();
    const { summary, controller, events } = await run(p, () => ({ runMs: 10 }));
    assert.equal(summary.succeeded, 8);
    assert.equal(summary.exitCode, 0);
    assert.ok(controller.maxLive <= 3, `max live ${controller.maxLive}`);
    assert.equal(controller.maxLive, 3, 'uses the concurrency it has');
    assert.equal(controller.deleted.length, 8);
    assert.equal(controller.duplicates, 0);
    finishedOnce(events, 8);
    addsUp(summary);
    assert.deepEqual(events.filter((e) => e.type === 'cell-created').map((e) => (e as { cell: { index: number } }).cell.index), [0, 1, 2, 3, 4, 5, 6, 7], 'date-major order');
  });

  it('a failed cell ends when its query ended, not when its log arrived: the run\'s times never show more live than the cap', async () => {
    const p = batch();
    const controller = new FakeController((spec) => (spec.name.endsWith('_0') ? { runMs: 5, end: 'Failed', detail: 'boom' } : { runMs: 5 }));
    controller.logDelayMs = 60;
    const engine = new Engine({ plan: p, controller, runId: 'test', timing: FAST, random: () => 0.5 });
    const events: RunEvent[] = [];
    engine.on((e) => events.push(e));
    await engine.run();
    await controller.close();
    // Replay the times as the grid's strip and a reader of the record would: creation starts a query, its end ends it.
    const marks: [number, number][] = [];
    for (const e of events) {
      if (e.type === 'cell-creating') marks.push([e.at, 1]);
      if (e.type === 'cell-finished' && e.attempt > 0) marks.push([e.at, -1]);
    }
    marks.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let live = 0;
    let peak = 0;
    for (const [, d] of marks) peak = Math.max(peak, (live += d));
    assert.equal(peak, 3, 'the concurrency, never more');
    const failed = events.filter((e) => e.type === 'cell-finished' && e.outcome === 'failed');
    assert.equal(failed.length, 4);
  });

  it('keeps successful queries when delete_successful_queries is false', async () => {
    const { controller } = await run(batch([['script_language: "Python"', 'script_language: "Python"\n  delete_successful_queries: false']]), () => ({}));
    assert.equal(controller.deleted.length, 0);
  });

  it('reports a worker failure with its detail and keeps the failed query by default', async () => {
    const { summary, controller } = await run(batch(), (s) => (s.name.endsWith('20240102_1') ? { end: 'Failed', detail: 'Traceback: ValueError: bad data' } : {}));
    assert.equal(summary.failedExecution, 1);
    assert.equal(summary.exitCode, 2);
    const f = summary.failures[0];
    assert.equal(f.cell.queryName, 'pq_batch_batchsim_20240102_1');
    assert.match(f.detail, /ValueError: bad data/);
    assert.match(f.detail, /log of pq_batch_batchsim_20240102_1/, 'the log is captured');
    assert.ok(!controller.deleted.includes(f.cell.queryName));
    assert.equal(controller.deleted.length, 7);
  });

  it('deletes a failed query after capturing its detail when delete_failed_queries is true', async () => {
    const p = batch([['script_language: "Python"', 'script_language: "Python"\n  delete_failed_queries: true']]);
    const { summary, controller } = await run(p, (s) => (s.name.endsWith('_0') ? { end: 'Error', detail: 'boom' } : {}));
    assert.equal(summary.failedExecution, 4);
    assert.equal(controller.deleted.length, 8);
    for (const f of summary.failures) assert.match(f.detail, /log of/);
  });

  it('retries a refused creation with backoff, then succeeds', async () => {
    const { summary, events, controller } = await run(batch(), (s, attempt) => (s.name.endsWith('20240101_0') && attempt <= 2 ? { reject: 'server busy' } : {}));
    assert.equal(summary.succeeded, 8);
    assert.equal(summary.exitCode, 0);
    const failed = events.filter((e) => e.type === 'cell-create-failed');
    assert.equal(failed.length, 2);
    const delays = failed.map((e) => (e as { retryInMs?: number }).retryInMs);
    assert.deepEqual(delays, [4, 8], 'exponential, jittered by the injected random');
    assert.equal(controller.creations.get('pq_batch_batchsim_20240101_0'), 3);
  });

  it('gives up after max_retries and reports a creation failure', async () => {
    const p = batch([['script_language: "Python"', 'script_language: "Python"\n  max_retries: 2']]);
    const { summary, controller } = await run(p, (s) => (s.name.endsWith('20240103_1') ? { reject: 'invalid script' } : {}));
    assert.equal(summary.failedCreation, 1);
    assert.equal(summary.exitCode, 1);
    assert.equal(controller.creations.get('pq_batch_batchsim_20240103_1'), 3, 'one try and two retries');
    assert.match(summary.failures[0].detail, /after 3 tries: invalid script/);
  });

  it('a waiting retry holds no slot: other cells go ahead meanwhile', async () => {
    const p = batch([['max_concurrent_sessions: 3', 'max_concurrent_sessions: 1']]);
    const { events } = await run(p, (s, attempt) => (s.name.endsWith('20240101_0') && attempt === 1 ? { reject: 'busy' } : { runMs: 1 }), { timing: { retryBaseMs: 150, retryMaxMs: 150 } });
    const created = events.filter((e) => e.type === 'cell-created').map((e) => (e as { cell: { index: number } }).cell.index);
    assert.notEqual(created[0], 0, 'cell 0 waits for its retry while others run');
    assert.ok(created.includes(0));
  });

  it('a creation whose reply was lost is adopted by name, never created twice', async () => {
    const { summary, controller, events } = await run(batch(), (s, attempt) => (s.name.endsWith('20240102_0') && attempt === 1 ? { lostReply: true, runMs: 30 } : {}));
    assert.equal(summary.succeeded, 8);
    assert.equal(controller.duplicates, 0);
    assert.equal(controller.creations.get('pq_batch_batchsim_20240102_0'), 1);
    assert.ok(events.some((e) => e.type === 'cell-created' && e.adopted));
  });

  it('queues a cell again on no capacity (at creation or at start), without counting a failure', async () => {
    const { summary, events, controller } = await run(batch(), (s, attempt) => {
      if (s.name.endsWith('20240101_1') && attempt <= 2) return { reject: 'capacity' };
      if (s.name.endsWith('20240104_0') && attempt === 1) return { end: 'Failed', detail: 'com.illumon.ResourcesUnavailableException: Unable to find available server' };
      return {};
    });
    assert.equal(summary.succeeded, 8);
    assert.equal(summary.failedExecution + summary.failedCreation, 0);
    assert.equal(events.filter((e) => e.type === 'cell-requeued').length, 3);
    assert.ok(controller.deleted.filter((n) => n.endsWith('20240104_0')).length === 2, 'the no-capacity query is deleted, then the success');
  });

  it('stops a replay query that does not start running within init_timeout_minutes', async () => {
    const p = plan(REPLAY_CONFIG, [['init_timeout_minutes: 10', 'init_timeout_minutes: 0.002'], ['end: "2024-01-19"', 'end: "2024-01-15"']]);
    const { summary, controller } = await run(p, (s) => (s.name.endsWith('_1') ? { hangInit: true } : { end: 'Stopped', runMs: 300 }));
    assert.equal(summary.succeeded, 1, 'a replay worker that stops itself succeeds, even after the init timeout would have fired');
    assert.equal(summary.failedExecution, 1);
    assert.match(summary.failures[0].detail, /did not start running within init_timeout_minutes \(0\.002 min\)/);
    assert.deepEqual(controller.stopped, ['pq_replay_mysim_20240115_1']);
  });

  it('stops a batch query that runs past timeout_minutes', async () => {
    const p = batch([['timeout_minutes: 60', 'timeout_minutes: 0.002'], ['end: "2024-01-04"', 'end: "2024-01-01"']]);
    const { summary, controller } = await run(p, (s) => (s.name.endsWith('_0') ? { runMs: 5000 } : { runMs: 1 }));
    assert.equal(summary.failedExecution, 1);
    assert.match(summary.failures[0].detail, /ran longer than timeout_minutes/);
    assert.deepEqual(controller.stopped, ['pq_batch_batchsim_20240101_0']);
  });

  it('frees the slot of a stopped query that never confirms, after the grace period', async () => {
    const p = batch([['timeout_minutes: 60', 'timeout_minutes: 0.001'], ['end: "2024-01-04"', 'end: "2024-01-01"']]);
    const { summary, events } = await run(p, () => ({ hangInit: true, ignoreStop: true }), { timing: { stopGraceMs: 50 } });
    assert.equal(summary.failedExecution, 2);
    assert.ok(events.some((e) => e.type === 'log' && /did not report stopping/.test(e.message)));
  });

  it('a batch query stopped by someone else is a failure; a replay one that stops itself is not', async () => {
    const { summary } = await run(batch([['end: "2024-01-04"', 'end: "2024-01-01"']]), () => ({ end: 'Stopped' }));
    assert.equal(summary.failedExecution, 2);
    const r = await run(plan(REPLAY_CONFIG, [['end: "2024-01-19"', 'end: "2024-01-15"']]), () => ({ end: 'Stopped' }));
    assert.equal(r.summary.succeeded, 2);
  });

  it('stops creating once more than max_failures cells failed; running ones finish', async () => {
    const p = batch([['script_language: "Python"', 'script_language: "Python"\n  max_failures: 1']]);
    const { summary, events } = await run(p, (s) => (s.name.includes('20240101') ? { end: 'Failed', runMs: 5 } : { runMs: 40 }));
    assert.equal(summary.budgetExhausted, true);
    assert.equal(summary.failedExecution, 2);
    assert.equal(summary.exitCode, 2);
    assert.ok(summary.notStarted > 0);
    const createdAfterBudget = events.findIndex((e) => e.type === 'log' && /max_failures/.test(e.message));
    assert.ok(createdAfterBudget > 0);
    assert.ok(!events.slice(createdAfterBudget).some((e) => e.type === 'cell-creating'), 'nothing created after the budget ran out');
    addsUp(summary);
  });

  it('max_failures 0 stops at the first failure', async () => {
    const p = batch([['script_language: "Python"', 'script_language: "Python"\n  max_failures: 0'], ['max_concurrent_sessions: 3', 'max_concurrent_sessions: 1']]);
    const { summary } = await run(p, (s) => (s.name.endsWith('20240101_0') ? { end: 'Failed' } : {}));
    assert.equal(summary.failedExecution, 1);
    assert.equal(summary.notStarted, 7);
  });

  it('exit code 3 when both kinds of failure occur', async () => {
    const p = batch([['script_language: "Python"', 'script_language: "Python"\n  max_retries: 0']]);
    const { summary } = await run(p, (s) => (s.name.endsWith('20240101_0') ? { reject: 'no' } : s.name.endsWith('20240101_1') ? { end: 'Failed' } : {}));
    assert.equal(summary.exitCode, 3);
  });

  it('first cancel: creates nothing more, lets running queries finish', async () => {
    const { summary, controller } = await run(batch(), () => ({ runMs: 60 }), {
      during: (engine, events) => {
        const off = engine.on((e) => {
          if (e.type === 'cell-created' && events.filter((x) => x.type === 'cell-created').length === 3) {
            off();
            engine.cancel();
          }
        });
      },
    });
    assert.equal(summary.interrupted, 'graceful');
    assert.equal(summary.succeeded, 3);
    assert.equal(summary.notStarted, 5);
    assert.equal(controller.created.length, 3);
    assert.equal(summary.exitCode, 4, 'not every cell ran');
    addsUp(summary);
  });

  it('second cancel: stops and deletes what is still running', async () => {
    const { summary, controller } = await run(batch(), () => ({ runMs: 10_000 }), {
      during: (engine) => {
        let n = 0;
        engine.on((e) => {
          if (e.type === 'cell-status' && e.status === 'Running' && ++n === 3) {
            engine.cancel();
            engine.cancel();
          }
        });
      },
    });
    assert.equal(summary.interrupted, 'forceful');
    assert.equal(summary.cancelled, 3);
    assert.equal(summary.notStarted, 5);
    assert.equal(controller.live(), 0, 'nothing left running');
    assert.equal(controller.deleted.length, 3);
    addsUp(summary);
  });

  it('a query of the cell\'s name is adopted only with this run\'s mark: an earlier run\'s is replaced, another config\'s left alone and its cell refused', async () => {
    const controller = new FakeController(() => ({}));
    const p = batch([['end: "2024-01-04"', 'end: "2024-01-01"'], ['num_partitions: 2', 'num_partitions: 4']]);
    const names = p.cells.map((c) => c.queryName);
    controller.seed(names[0], 'Failed', markOf(p, 'earlier'));
    const ownSerial = controller.seed(names[1], 'Running', markOf(p, 't'));
    const staleSerial = controller.seed(names[2], 'Running', { ...markOf(p, 'earlier'), fingerprint: 'another script' });
    const strangerSerial = controller.seed(names[3], 'Running', { ...markOf(p, 'x'), config: 'other@/elsewhere/config.yaml' });
    const engine = new Engine({ plan: p, controller, runId: 't', timing: FAST });
    const events: RunEvent[] = [];
    engine.on((e) => events.push(e));
    const done = engine.run();
    await sleep(30);
    // The adopted query finishes on the server.
    (controller as unknown as { set(q: unknown, patch: unknown): void }).set(controller.queries.get(ownSerial), { status: 'Completed' });
    const summary = await done;
    assert.equal(summary.succeeded, 3);
    assert.equal(summary.failedCreation, 1, 'the cell whose name another config holds is refused');
    assert.equal(controller.duplicates, 0);
    assert.deepEqual(controller.created.sort(), [names[0], names[2]].sort(), 'the finished and the stale query are replaced');
    assert.ok(events.some((e) => e.type === 'cell-created' && e.adopted && e.serial === ownSerial), 'this run\'s own query adopted');
    assert.ok(!events.some((e) => e.type === 'cell-created' && e.adopted && e.serial === staleSerial), 'the earlier run\'s never adopted');
    assert.ok(controller.stopped.includes(names[2]) && controller.deleted.includes(names[2]), 'the stale live query stopped and deleted');
    const warned = events.find((e) => e.type === 'log' && e.message.includes(`(serial ${staleSerial})`));
    assert.match(warned && warned.type === 'log' ? warned.message : '', /stopped and replaced.*another worker script/);
    assert.ok(controller.queries.has(strangerSerial) && !controller.stopped.includes(names[3]), 'another config\'s query is not touched');
    const refused = events.find((e) => e.type === 'cell-finished' && e.cell.index === 3);
    assert.match(refused && refused.type === 'cell-finished' ? String(refused.detail) : '', new RegExp(`${names[3]} \\(serial ${strangerSerial}\\).*other@/elsewhere/config.yaml`));
  });

  it('resuming a run whose failures already exceed max_failures starts nothing and ends', async () => {
    const p = batch([['script_language: "Python"', 'script_language: "Python"\n  max_failures: 0']]);
    const prior = new Map([[0, { outcome: 'failed' as const, kind: 'execution' as const, attempts: 1, detail: 'boom' }], [1, { outcome: 'succeeded' as const, attempts: 1 }]]);
    const controller = new FakeController(() => ({}));
    const summary = await new Engine({ plan: p, controller, runId: 't', prior, timing: FAST }).run();
    assert.equal(summary.failedExecution, 1);
    assert.equal(summary.succeeded, 1);
    assert.equal(summary.notStarted, 6);
    assert.equal(controller.created.length, 0);
    addsUp(summary);
  });

  it('resume: adopting a query that already finished does not end the run early, and live ones stay within the cap', async () => {
    // Interrupted run: cells 0-1 finished on the server (never recorded), 2-3 still running; 4-7 never started.
    const p = batch();
    const controller = new FakeController(() => ({ runMs: 5 }));
    const prior = new Map<number, { serial?: string; attempts: number }>();
    const names = p.cells.map((c) => c.queryName);
    prior.set(0, { serial: controller.seed(names[0], 'Completed', markOf(p, 't')), attempts: 1 });
    prior.set(1, { serial: controller.seed(names[1], 'Failed', markOf(p, 't')), attempts: 1 });
    const live2 = controller.seed(names[2], 'Running', markOf(p, 't'));
    const live3 = controller.seed(names[3], 'Running', markOf(p, 't'));
    prior.set(2, { serial: live2, attempts: 1 });
    prior.set(3, { serial: live3, attempts: 1 });
    const engine = new Engine({ plan: p, controller, runId: 't', prior, timing: FAST });
    const events: RunEvent[] = [];
    engine.on((e) => events.push(e));
    let maxLive = 0;
    controller.subscribe(() => (maxLive = Math.max(maxLive, controller.live())));
    const done = engine.run();
    await sleep(20);
    const set = (controller as unknown as { set(q: unknown, patch: unknown): void }).set.bind(controller);
    set(controller.queries.get(live2), { status: 'Completed' });
    set(controller.queries.get(live3), { status: 'Completed' });
    const summary = await done;
    await controller.close();
    assert.equal(summary.cells, 8);
    assert.equal(summary.succeeded, 7, JSON.stringify(summary));
    assert.equal(summary.failedExecution, 1);
    assert.deepEqual(controller.created.sort(), names.slice(4).sort(), 'only the never-started cells are created');
    assert.equal(controller.duplicates, 0);
    assert.ok(Math.max(maxLive, controller.maxLive) <= 3, `max live ${Math.max(maxLive, controller.maxLive)}`);
    finishedOnce(events, 8);
  });

  it('resume after a forced stop: the stopped cells run again, not counted failed', async () => {
    const p = batch();
    const controller = new FakeController(() => ({ runMs: 2 }));
    const names = p.cells.map((c) => c.queryName);
    // Cells 0-2 were stopped and deleted (their queries may still show as Stopped); 3-7 never started.
    const prior = new Map<number, { outcome?: 'cancelled'; serial?: string; attempts: number }>();
    for (let i = 0; i < 3; i++) prior.set(i, { outcome: 'cancelled', serial: controller.seed(names[i], 'Stopped', markOf(p, 't')), attempts: 1 });
    const summary = await new Engine({ plan: p, controller, runId: 't', prior, timing: FAST }).run();
    await controller.close();
    assert.equal(summary.succeeded, 8, JSON.stringify(summary));
    assert.equal(summary.failedExecution, 0);
    assert.deepEqual(controller.created.sort(), [...names].sort(), 'every cell ran (again)');
  });

  it('resume: a success recorded before its deletion was deletes the query left on the server', async () => {
    const p = batch();
    const controller = new FakeController(() => ({ runMs: 2 }));
    const names = p.cells.map((c) => c.queryName);
    const prior = new Map<number, { outcome?: 'succeeded'; serial?: string; attempts: number }>();
    prior.set(0, { outcome: 'succeeded', serial: controller.seed(names[0], 'Completed', markOf(p, 't')), attempts: 1 });
    const summary = await new Engine({ plan: p, controller, runId: 't', prior, timing: FAST }).run();
    await controller.close();
    assert.equal(summary.succeeded, 8);
    assert.ok(controller.deleted.includes(names[0]), 'the leftover success is deleted as delete_successful_queries says');
    assert.equal(controller.queries.size, 0, 'nothing left on the server');
  });

  it('resume: a query whose creation was recorded but not its serial is adopted, even when it already finished', async () => {
    const p = batch();
    const controller = new FakeController(() => ({ runMs: 2 }));
    const names = p.cells.map((c) => c.queryName);
    controller.seed(names[0], 'Completed', markOf(p, 't'));
    const prior = new Map([[0, { attempts: 1 }]]);
    const summary = await new Engine({ plan: p, controller, runId: 't', prior, timing: FAST }).run();
    await controller.close();
    assert.equal(summary.succeeded, 8);
    assert.ok(!controller.created.includes(names[0]), 'the finished query is not run a second time');
  });

  it('summary adds up and invariants hold under random controller behaviour', async () => {
    const ends = ['Completed', 'Failed', 'Error', 'Disconnected', 'Stopped'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.boolean(),
        async (concurrency, retries, seed, cancelMidway) => {
          let x = seed || 1;
          const rnd = () => ((x = (x * 48271) % 2147483647) / 2147483647);
          const p = batch([['max_concurrent_sessions: 3', `max_concurrent_sessions: ${concurrency}`], ['script_language: "Python"', `script_language: "Python"\n  max_retries: ${retries}\n  max_failures: 3`], ['timeout_minutes: 60', 'timeout_minutes: 0.003']]);
          const { summary, controller, events } = await run(
            p,
            () => {
              const r = rnd();
              if (r < 0.1) return { reject: 'refused' };
              if (r < 0.15) return { reject: 'capacity' };
              if (r < 0.2) return { lostReply: true, runMs: Math.floor(rnd() * 10) };
              if (r < 0.25) return { hangInit: true };
              return { runMs: Math.floor(rnd() * 10), end: ends[Math.floor(rnd() * ends.length)], createDelayMs: Math.floor(rnd() * 3) };
            },
            {
              during: (engine) => {
                if (!cancelMidway) return;
                let n = 0;
                engine.on((e) => {
                  if (e.type === 'cell-created' && ++n === 3) engine.cancel();
                });
              },
            },
          );
          addsUp(summary);
          finishedOnce(events, 8);
          assert.ok(controller.maxLive <= concurrency + 1, `max live ${controller.maxLive} > ${concurrency}`); // +1: a lost-reply query lives before the engine knows it
          assert.equal(controller.duplicates, 0);
          assert.equal(controller.live(), 0, 'nothing left running');
          assert.ok([0, 1, 2, 3, 4].includes(summary.exitCode));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('when a run ends (one place: Outstanding)', () => {
  it('not while work is outstanding or a cell is live, queued or waiting; at once when the last of them settles', async () => {
    const { Outstanding } = await import('../../src/orchestrator/outstanding');
    let busy = true;
    const work = new Outstanding(() => busy);
    let over = false;
    void work.whenOver().then(() => (over = true));
    let release!: () => void;
    void work.track('deleting', new Promise<void>((r) => (release = r)));
    busy = false;
    work.check();
    await sleep(0);
    assert.equal(over, false, 'a deletion is still outstanding');
    work.begin('creating');
    release();
    await sleep(0);
    assert.equal(over, false, 'a creation answer is being acted on: begin/end does not end the run by itself');
    work.end('creating');
    busy = true;
    work.check();
    await sleep(0);
    assert.equal(over, false, 'a cell is still live');
    busy = false;
    work.check();
    await sleep(0);
    assert.equal(over, true);
  });
});
