import { strict as assert } from 'node:assert';
import { RunStore } from '../../src/extension/runs/runStore';
import { RefreshScheduler } from '../../src/extension/tree/refresh';
import type { RunEvent } from '../../src/orchestrator/events';
import { buildPlan } from '../../src/plan/plan';
import { analyze, BATCH_CONFIG } from '../helpers/configs';
import { sleep } from '../helpers/fakeController';

const plan = () => buildPlan(analyze(BATCH_CONFIG).config!, '');

describe('run view model (what the tree shows)', () => {
  it('follows a cell through its events and counts per date', () => {
    const store = new RunStore();
    const p = plan();
    const run = store.addRun(p, 'r1');
    assert.deepEqual(run.dates.slice(0, 2), ['2024-01-01', '2024-01-02']);
    const cell = p.cells[1];
    const ev = (e: Partial<RunEvent> & { type: RunEvent['type'] }) => store.apply(run, { cell, at: Date.now(), attempt: 1, ...e } as RunEvent, (s) => `/logs/${s}.log`);
    ev({ type: 'cell-creating' });
    assert.equal(run.byIndex.get(1)!.state, 'creating');
    ev({ type: 'cell-created', serial: '42', adopted: false } as never);
    ev({ type: 'cell-status', serial: '42', status: 'Running' } as never);
    assert.equal(run.byIndex.get(1)!.status, 'Running');
    assert.equal(run.byIndex.get(1)!.logFile, '/logs/42.log');
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

describe('refresh coalescing', () => {
  it('turns many changes into a few refreshes, naming each changed item once', async () => {
    const flushed: (string[] | undefined)[] = [];
    const s = new RefreshScheduler<string>((items) => flushed.push(items), 30);
    for (let i = 0; i < 1000; i++) s.mark(`date-${i % 7}`);
    await sleep(60);
    assert.equal(flushed.length, 1);
    assert.equal(flushed[0]!.length, 7);
    s.dispose();
  });

  it('holds refreshes while hidden and flushes when shown', async () => {
    const flushed: (string[] | undefined)[] = [];
    const s = new RefreshScheduler<string>((items) => flushed.push(items), 10);
    s.setVisible(false);
    s.mark('a');
    s.mark(undefined);
    await sleep(40);
    assert.equal(flushed.length, 0);
    s.setVisible(true);
    await sleep(40);
    assert.deepEqual(flushed, [undefined], 'a whole refresh, since everything was marked');
    s.dispose();
  });
});
