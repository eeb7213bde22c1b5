import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunStore } from '../../src/extension/runs/runStore';
import { latestPicture } from '../../src/extension/grid/latestPicture';
import { gridData } from '../../src/grid/adapter';
import { loadPlan } from '../../src/plan/load';
import { latestRun, runsRoot } from '../../src/record/runs';
import { localConfig, runCli, TEST_WORKER } from '../helpers/cli';
import { tempProject } from '../helpers/configs';

describe('a config\'s grid after a rerun of its failed cells', function () {
  this.timeout(60_000);

  it('shows every cell\'s latest outcome across the run and its rerun, not the rerun alone', async () => {
    const dir = tempProject({ 'worker.py': TEST_WORKER, 'config.yaml': localConfig({ partitions: 2, end: '2024-01-02' }) });
    const config = path.join(dir, 'config.yaml');
    const first = await runCli(['--config', config], { env: { FAIL_CELLS: '2024-01-02/1' } });
    assert.equal(first.code, 2, first.stderr);
    const again = await runCli(['--config', config, '--rerun-failed']);
    assert.equal(again.code, 0, again.stderr);
    const loaded = loadPlan(config, { purpose: 'edit' });
    assert.equal(loaded.kind, 'plan');
    const plan = (loaded as Extract<typeof loaded, { kind: 'plan' }>).plan;
    const store = new RunStore();
    const rerun = store.addRecorded(plan, latestRun(runsRoot(config, plan.name))!, () => undefined);
    assert.equal(rerun.state.counts.total, 1, 'the rerun ran the one failed cell');
    const picture = latestPicture(rerun);
    assert.ok(picture, 'composed');
    const outcomes = [...picture.state.cells.values()].map((r) => `${r.cell.queryName}:${r.state}`);
    assert.equal(outcomes.length, 4);
    assert.ok(outcomes.every((o) => o.endsWith(':succeeded')), outcomes.join(' '));
    assert.match(picture.note, /^latest outcome of each cell across runs \S+ ← \S+$/);
    // A cell the first run decided opens from that run: its id and its worker log (a click in the grid once opened
    // nothing); the rerun's own cell is the rerun's.
    const firstId = picture.note.split(' ← ')[1];
    const earlier = [...picture.state.cells.values()].find((v) => !rerun.state.cells.has(v.cell.index))!;
    assert.equal(picture.latest.runOf(earlier.cell.index), firstId);
    const log = picture.latest.logOf(earlier);
    assert.ok(log && log.includes(firstId), `the first run's log: ${log}`);
    assert.match(fs.readFileSync(log, 'utf8'), new RegExp(`worker ${earlier.cell.queryName} starting`));
    // Its clock is the cells' own: it starts at the first run's first cell, not clamped to the rerun's start (a cell
    // the first run ran once read "start +0 ms" at the rerun's time).
    assert.ok(earlier.createdAt !== undefined && earlier.createdAt < rerun.startedAt, 'the first run\'s cell ran before the rerun');
    assert.ok(picture.t0 <= earlier.createdAt!, `the grid's clock starts at ${picture.t0}, after a cell it draws (${earlier.createdAt})`);
    const drawn = gridData(plan, picture.state, { runId: rerun.id, live: false, t0: picture.t0, summary: '', interactive: false });
    assert.ok(drawn.starts[earlier.cell.index] >= 0 && drawn.starts[earlier.cell.index] < rerun.startedAt - picture.t0, 'drawn when the first run ran it');
    assert.equal(picture.state.endedAt, rerun.state.endedAt);
    const own = [...rerun.state.cells.keys()][0];
    assert.equal(picture.latest.runOf(own), rerun.id);
    assert.equal(picture.latest.logOf(picture.state.cells.get(own)!), undefined, 'the rerun\'s own cells are the run\'s (logFileOf)');
    // A full run is its own picture.
    const full = await runCli(['--config', config]);
    assert.equal(full.code, 0, full.stderr);
    assert.equal(latestPicture(store.addRecorded(plan, latestRun(runsRoot(config, plan.name))!, () => undefined)), undefined);
  });
});
