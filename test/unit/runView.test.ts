import { strict as assert } from 'node:assert';
import { logFileOf, RunStore } from '../../src/extension/runs/runStore';
import { statusText } from '../../src/extension/runs/statusText';
import { RefreshScheduler } from '../../src/extension/refresh';
import type { RunEvent } from '../../src/runModel/events';
import { buildPlan } from '../../src/plan/plan';
import { analyze, BATCH_CONFIG } from '../helpers/configs';

const plan = () => buildPlan(analyze(BATCH_CONFIG).config!, '');

describe('run view model (what the tree shows)', () => {
  it('follows a cell through its events and counts per date', () => {
    const store = new RunStore();
    const p = plan();
    const run = store.addRun(p, 'r1');
    assert.deepEqual(run.dates.slice(0, 2), ['2024-01-01', '2024-01-02']);
    const cell = p.cells[1];
    const ev = (e: Partial<RunEvent> & { type: RunEvent['type'] }) => store.apply(run, { cell, at: Date.now(), attempt: 1, ...e } as RunEvent);
    ev({ type: 'cell-creating' });
    assert.equal(run.byIndex.get(1)!.state, 'creating');
    ev({ type: 'cell-created', serial: '42', adopted: false } as never);
    ev({ type: 'cell-status', serial: '42', status: 'Running' } as never);
    assert.equal(run.byIndex.get(1)!.status, 'Running');
    run.logOf = (_name, serial) => `/logs/${serial}.log`;
    assert.equal(logFileOf(run, run.byIndex.get(1)!), '/logs/42.log', 'the log of the current attempt, found when opened');
    ev({ type: 'cell-status', serial: 'other', status: 'Failed' } as never);
    assert.equal(run.byIndex.get(1)!.status, 'Running', 'a stale serial is ignored');
    ev({ type: 'cell-finished', outcome: 'failed', kind: 'execution', serial: '42', detail: 'boom' } as never);
    assert.deepEqual(store.counts(run, '2024-01-01'), { total: 2, succeeded: 0, failed: 1, active: 0, pending: 1 });
    assert.equal(store.failures(), 1);
  });

  it('reports which dates changed, so the tree refreshes only those', () => {
    const store = new RunStore();
    const p = plan();
    const run = store.addRun(p, 'r1');
    const changes: string[][] = [];
    store.onDidChange((c) => changes.push([...c.dates]));
    store.apply(run, { type: 'cell-creating', cell: p.cells[5], attempt: 1, at: 0 });
    assert.deepEqual(changes, [[p.cells[5].date]]);
  });
});

describe('status bar text', () => {
  const finish = (store: RunStore, run: ReturnType<RunStore['addRun']>, i: number, outcome: 'succeeded' | 'failed' | 'cancelled' | 'not-started') =>
    store.apply(run, { type: 'cell-finished', cell: run.byIndex.get(i)!.cell, attempt: 1, outcome, at: 0 });

  it('running, finished, failed and stopped runs read differently, with no Problems-counter glyph', () => {
    const store = new RunStore();
    const p = plan();
    const run = store.addRun(p, 'r1', p.cells.slice(0, 4));
    store.apply(run, { type: 'run-started', runId: 'r1', planHash: '', cells: 4, concurrency: 2, resumed: false, at: 0 });
    finish(store, run, 0, 'succeeded');
    assert.equal(statusText(run, store.counts(run))!.text, '$(sync~spin) batchsim 1/4');
    finish(store, run, 1, 'failed');
    store.apply(run, { type: 'cancel-requested', stage: 'forceful', at: 0 });
    finish(store, run, 2, 'cancelled');
    finish(store, run, 3, 'not-started');
    store.apply(run, { type: 'run-finished', summary: { interrupted: 'forceful', exitCode: 3 } as never, at: 0 });
    const t = statusText(run, store.counts(run))!.text;
    assert.equal(t, '$(testing-failed-icon) batchsim 1/4 · 1 failed · stopped');
    assert.ok(!/\$\((error|warning|pass)\)/.test(t));
    const ok = store.addRun(p, 'r2', p.cells.slice(0, 1));
    store.apply(ok, { type: 'run-started', runId: 'r2', planHash: '', cells: 1, concurrency: 1, resumed: false, at: 0 });
    finish(store, ok, 0, 'succeeded');
    store.apply(ok, { type: 'run-finished', summary: { interrupted: false, exitCode: 0 } as never, at: 0 });
    assert.equal(statusText(ok, store.counts(ok))!.text, '$(testing-passed-icon) batchsim 1/1');
    const stopped = store.addRun(p, 'r3', p.cells.slice(0, 2));
    store.apply(stopped, { type: 'cancel-requested', stage: 'forceful', at: 0 });
    finish(store, stopped, 0, 'cancelled');
    finish(store, stopped, 1, 'not-started');
    store.apply(stopped, { type: 'run-finished', summary: { interrupted: 'forceful', exitCode: 4 } as never, at: 0 });
    assert.equal(statusText(stopped, store.counts(stopped))!.text, '$(debug-stop) batchsim 0/2 · stopped', 'a forced stop is not a green check');
  });
});

/** A clock the test moves: timers fire only when it says so. */
function manualTimers() {
  let now = 0;
  const pending: { at: number; fn: () => void; id: number }[] = [];
  let next = 0;
  return {
    timers: {
      set: (fn: () => void, ms: number) => {
        pending.push({ at: now + ms, fn, id: ++next });
        return next;
      },
      clear: (h: unknown) => {
        const k = pending.findIndex((p) => p.id === h);
        if (k >= 0) pending.splice(k, 1);
      },
    },
    get now() {
      return now;
    },
    pending: () => pending.length,
    /** Moves the clock forward, firing each timer that falls due, in order. */
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        pending.sort((a, b) => a.at - b.at);
        const due = pending[0];
        if (!due || due.at > end) break;
        pending.shift();
        now = due.at;
        due.fn();
      }
      now = end;
    },
  };
}

describe('refresh coalescing (the one scheduler of the tree, status bar, context keys and Run Grid panel)', () => {
  it('turns many changes into one flush a full interval later, naming each changed item once', () => {
    const clock = manualTimers();
    const flushed: (string[] | undefined)[] = [];
    const s = new RefreshScheduler<string>((items) => flushed.push(items), 100, clock.timers);
    for (let i = 0; i < 1000; i++) s.mark(`date-${i % 7}`);
    assert.equal(clock.pending(), 1, 'one timer for a thousand marks');
    clock.advance(99);
    assert.equal(flushed.length, 0, 'nothing before the interval');
    clock.advance(1);
    assert.equal(flushed.length, 1);
    assert.equal(flushed[0]!.length, 7);
    s.dispose();
  });

  it('never flushes twice within one interval, each flush carrying only what changed since the last', () => {
    const clock = manualTimers();
    const at: number[] = [];
    const flushed: number[][] = [];
    const s = new RefreshScheduler<number>((items) => {
      at.push(clock.now);
      flushed.push(items ?? []);
      s.mark(99); // a change made while flushing waits for the next interval
    }, 100, clock.timers);
    // A change every 7 ms for 2 s: 285 changes.
    for (let t = 0; t < 2000; t += 7) {
      clock.advance(t - clock.now);
      s.mark(t % 13);
    }
    clock.advance(500);
    for (let k = 1; k < at.length; k++) assert.ok(at[k] - at[k - 1] >= 100, `flushes ${k - 1} and ${k} at ${at[k - 1]} and ${at[k]} ms`);
    assert.ok(at.length >= 20 && at.length <= clock.now / 100, `${at.length} flushes in ${clock.now} ms`);
    for (const f of flushed) assert.equal(new Set(f).size, f.length, 'each item once');
    assert.ok(flushed.every((f) => f.length <= 14), 'at most the 13 changed items and the one changed while flushing');
    s.dispose();
  });

  it('holds flushes while hidden and flushes everything marked when shown', () => {
    const clock = manualTimers();
    const flushed: (string[] | undefined)[] = [];
    const s = new RefreshScheduler<string>((items) => flushed.push(items), 10, clock.timers);
    s.setVisible(false);
    s.mark('a');
    s.mark(undefined);
    clock.advance(1000);
    assert.equal(flushed.length, 0);
    s.setVisible(true);
    clock.advance(10);
    assert.deepEqual(flushed, [undefined], 'a whole refresh, since everything was marked');
    s.dispose();
  });

  it('forgets what was marked when cleared (a panel that redrew whole)', () => {
    const clock = manualTimers();
    const flushed: (number[] | undefined)[] = [];
    const s = new RefreshScheduler<number>((items) => flushed.push(items), 10, clock.timers);
    s.mark(1);
    s.clear();
    clock.advance(20);
    assert.deepEqual(flushed, []);
    s.mark(2);
    clock.advance(20);
    assert.deepEqual(flushed, [[2]]);
    s.dispose();
  });
});

describe('words for an editor (no signals, no Ctrl+C, no "error" for a Stop)', () => {
  it('a stop is the user\'s, said as such, with what was done and what never started', async () => {
    const { eventLine, formatSummary } = await import('../../src/report/lines');
    for (const stage of ['graceful', 'forceful'] as const) {
      const line = eventLine({ type: 'cancel-requested', stage, at: 0 }, 6, 0, 'editor')!;
      assert.doesNotMatch(line.text, /signal|Ctrl\+C/);
      assert.match(eventLine({ type: 'cancel-requested', stage, at: 0 }, 6, 0, 'cli')!.text, /signal/, 'the CLI keeps its words');
    }
    assert.match(eventLine({ type: 'run-started', runId: 'r', planHash: '', cells: 1, concurrency: 1, resumed: false, at: 0 }, 1)!.text, /: 1 session, up to 1 at once/, 'one session, not "1 sessions"');
    const summary = { runId: 'r', cells: 12, succeeded: 4, failedCreation: 0, failedExecution: 0, cancelled: 0, notStarted: 8, failures: [], undeleted: [], interrupted: 'graceful', budgetExhausted: false, startedAt: 0, endedAt: 1000, exitCode: 4 } as const;
    const text = formatSummary(plan(), { ...summary, failures: [], undeleted: [] }, undefined, 'editor');
    assert.match(text, /Result: Stopped by you: 4 done, 8 not started/);
    assert.match(text, /stopped\s+by you \(running cells finished\)/);
    assert.doesNotMatch(text, /signal|error|Ctrl\+C|--resume/);
  });
});

describe('one run state per live run', () => {
  it('a live run\'s view reads the engine\'s own state: each event is reduced once, and the view shows it', async () => {
    const { applyEvent, createRunState } = await import('../../src/runModel/runState');
    const store = new RunStore();
    const p = plan();
    const engineState = createRunState(p.cells);
    const run = store.addRun(p, 'live', p.cells, engineState);
    assert.equal(run.state, engineState, 'no second copy');
    const dates: string[][] = [];
    store.onDidChange((c) => dates.push([...c.dates]));
    const cell = p.cells[3];
    for (const e of [
      { type: 'cell-creating', cell, attempt: 1, at: 1 },
      { type: 'cell-created', cell, attempt: 1, serial: '7', adopted: false, at: 2 },
      { type: 'cell-finished', cell, attempt: 1, outcome: 'succeeded', serial: '7', at: 3 },
    ] as RunEvent[]) {
      applyEvent(engineState, e); // the engine, before its listeners
      store.apply(run, e); // the store, as a listener
    }
    assert.equal(engineState.created, 1, 'created counted once');
    assert.deepEqual(store.counts(run), { total: p.cells.length, succeeded: 1, failed: 0, active: 0, pending: p.cells.length - 1 });
    assert.deepEqual(dates, [[cell.date], [cell.date], [cell.date]], 'every change still reaches the views');
  });
});

describe('one way to write a duration', () => {
  it('the CLI summary, the tree tooltip and the grid page write the same duration the same way', async () => {
    const { formatDuration } = await import('../../src/util/duration');
    const { formatMs } = await import('../../src/grid/model');
    const { formatSummary } = await import('../../src/report/lines');
    assert.equal(formatMs, formatDuration, 'the page uses the same function');
    assert.deepEqual([350, 4_240, 59_960, 185_000, 3_725_000, -1].map(formatDuration), ['350 ms', '4.2 s', '1 min 00 s', '3 min 05 s', '1 h 02 min', '–']);
    const summary = { runId: 'r', cells: 1, succeeded: 1, failedCreation: 0, failedExecution: 0, cancelled: 0, notStarted: 0, failures: [], undeleted: [], interrupted: false, budgetExhausted: false, startedAt: 0, endedAt: 185_000, exitCode: 0 } as const;
    assert.match(formatSummary(plan(), { ...summary, failures: [], undeleted: [] }), /duration\s+3 min 05 s/);
  });
});

describe('the tree\'s node cache', () => {
  it('one node per id for a run view; a resumed run\'s new view gets new nodes; a removed run\'s nodes are let go', async () => {
    const { NodeCache } = await import('../../src/extension/tree/nodeCache');
    const cache = new NodeCache<{ id: string; run: { id: string } }>();
    const a = { id: 'r1' };
    const first = cache.get({ id: 'run:r1', run: a });
    assert.equal(cache.get({ id: 'run:r1', run: a }), first, 'the same node for the same view, so a refresh can name it');
    cache.get({ id: 'date:r1:2024-01-02', run: a });
    const resumed = { id: 'r1' };
    const again = cache.get({ id: 'run:r1', run: resumed });
    assert.notEqual(again, first, 'a resumed run (same id, new view) is not shown through the old view\'s node');
    cache.get({ id: 'run:r2', run: { id: 'r2' } });
    cache.forgetRun('r1');
    assert.equal(cache.size, 1, 'only the other run\'s node is kept');
  });
});

describe('a recorded run\'s summary, derived once', () => {
  it('the editor shows an interrupted recorded run with the summary the CLI\'s --report prints', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { RecordWriter } = await import('../../src/record/writer');
    const { recordHeader } = await import('../../src/record/format');
    const { readRecord } = await import('../../src/record/reader');
    const { recordedState, recordedSummary } = await import('../../src/record/replay');
    const { formatSummary } = await import('../../src/report/lines');
    const p = plan();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-summary-'));
    try {
      const w = new RecordWriter(dir, []);
      w.append(recordHeader(p, 'r-int'));
      const at = Date.now();
      const events: RunEvent[] = [];
      for (const [i, outcome] of [[0, 'succeeded'], [1, 'succeeded'], [2, 'failed']] as const) {
        events.push({ type: 'cell-creating', cell: p.cells[i], attempt: 1, at }, { type: 'cell-created', cell: p.cells[i], attempt: 1, serial: `${i + 10}`, adopted: false, at });
        events.push({ type: 'cell-finished', cell: p.cells[i], attempt: 1, outcome, serial: `${i + 10}`, ...(outcome === 'failed' ? { kind: 'execution' as const, detail: 'boom' } : {}), at: at + 5 });
      }
      events.push({ type: 'cell-creating', cell: p.cells[3], attempt: 1, at }); // the window closed here: no end line
      for (const e of events) w.onEvent(e);
      w.close();
      const rec = readRecord(dir)!;
      const store = new RunStore();
      const run = store.addRecorded(p, rec, () => undefined);
      const s = run.summary!;
      assert.ok(s, 'a recorded run without an end line still has a summary');
      assert.deepEqual([s.succeeded, s.failedExecution, s.notStarted, s.cells], [2, 1, p.cells.length - 3, p.cells.length]);
      const cli = recordedSummary(recordedState(readRecord(dir)!, p), [readRecord(dir)!]);
      assert.equal(formatSummary(p, s, undefined), formatSummary(p, cli, undefined), 'the same summary text as the CLI\'s');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('time left in the editor', () => {
  it('the status bar tooltip of a live run says the time left when there is a forecast, and nothing made up otherwise', () => {
    const store = new RunStore();
    const run = store.addRun(plan(), 'r-left');
    store.apply(run, { type: 'run-started', runId: 'r-left', planHash: '', cells: run.state.counts.total, concurrency: 4, resumed: false, at: 0 });
    assert.doesNotMatch(statusText(run, store.counts(run))!.tooltip, /left/);
    run.timeLeft = () => 65_000;
    assert.match(statusText(run, store.counts(run))!.tooltip, /waiting of \d+, about 1 min 05 s left$/);
  });
});
