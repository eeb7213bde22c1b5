import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { expectedDurations, forecast, forecastText, simulateWall } from '../../src/plan/forecast';
import { buildPlan } from '../../src/plan/plan';
import { analyze, BATCH_CONFIG } from '../helpers/configs';
import { localConfig, runCli, TEST_WORKER } from '../helpers/cli';
import { tempProject } from '../helpers/configs';

const plan = () => buildPlan(analyze(BATCH_CONFIG).config!, '');

describe('forecast: how long a plan will take, before it starts', () => {
  it('the schedule is simulated with the cap and the order: greedy slots, the longest cell bounding it', () => {
    const cells = plan().cells.slice(0, 6);
    const ms = [10, 10, 10, 10, 10, 50];
    const d = (c: { index: number }) => ms[c.index];
    assert.equal(simulateWall(cells, d, 1), 100, 'one at a time: the sum');
    assert.equal(simulateWall(cells, d, 6), 50, 'all at once: the longest');
    assert.equal(simulateWall(cells, d, 2), 70, 'date order: the long cell starts last');
    assert.equal(simulateWall([cells[5], ...cells.slice(0, 5)], d, 2), 50, 'longest first: it starts at once');
  });

  it('a cell without a measurement takes its date\'s mean, else the run\'s; nothing measured, no forecast', () => {
    const cells = plan().cells;
    const e = expectedDurations(cells, new Map([[0, 100], [1, 300], [2, 1000]]))!;
    assert.equal(e(cells[0]), 100);
    assert.equal(e(cells[1]), 300);
    assert.equal(e(cells[3]), 1000, 'its date (2024-01-02) measured one cell');
    assert.equal(e(cells[9]), (100 + 300 + 1000) / 3, 'its date measured none: the run\'s mean');
    assert.equal(expectedDurations(cells, new Map()), undefined);
    assert.equal(forecast(cells, new Map(), 4, { runId: 'r', at: 0 }), undefined);
    const f = forecast(cells.slice(0, 4), new Map([[0, 60_000], [1, 60_000], [2, 120_000], [3, 120_000]]), 2, { runId: 'r1', at: Date.UTC(2024, 10, 2) })!;
    assert.equal(forecastText(f), 'about 3 min 00 s at 2 at once (from run r1 of 2024-11-02, 4 of 4 cells measured); 2 min 00 s at 4; the longest cell 2 min 00 s');
  });

  it('the dry run says there is no forecast without a run, and gives one after a run of the same config and script', async function () {
    this.timeout(60_000);
    const dir = tempProject({ 'worker.py': TEST_WORKER, 'config.yaml': localConfig({ partitions: 2, end: '2024-01-02' }) });
    const config = path.join(dir, 'config.yaml');
    assert.match((await runCli(['--config', config, '--dry-run'])).stdout, /forecast\s+none: no earlier run of this same config and script/);
    const run = await runCli(['--config', config], { env: { SLEEP_S: '0.2' } });
    assert.equal(run.code, 0, run.stderr);
    const text = (await runCli(['--config', config, '--dry-run'])).stdout;
    assert.match(text, /forecast\s+about [\d.]+ (ms|s) at 2 at once \(from run \S+ of \d{4}-\d{2}-\d{2}, 4 of 4 cells measured\); [\d.]+ (ms|s) at 4; the longest cell [\d.]+ (ms|s)/);
    const json = JSON.parse((await runCli(['--config', config, '--dry-run', '--json'])).stdout);
    assert.equal(json.forecast.measured, 4);
    assert.equal(json.forecast.concurrency, 2);
    assert.ok(json.forecast.wallMs >= json.forecast.longestMs, 'the wall time is at least the longest cell');
    // After the run: forecast against what it took, in the summary and in the run-finished event.
    const second = await runCli(['--config', config], { env: { SLEEP_S: '0.2' } });
    assert.match(second.stderr, /forecast: about /, 'said as the run starts');
    assert.match(second.stderr, /duration\s+[\d.]+ (ms|s|min)[^\n]*\(forecast [\d.]+ (ms|s)\)/);
    const events = (await runCli(['--config', config, '--json'], { env: { SLEEP_S: '0.2' } })).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const finished = events.find((e) => e.type === 'run-finished');
    assert.equal(typeof finished.summary.forecastMs, 'number', JSON.stringify(finished));
  });
});

describe('the forecast in the CodeLens tooltip', () => {
  it('is worked out again as the config changes, but the record is read only when it changes', async function () {
    this.timeout(60_000);
    const { ForecastTips } = await import('../../src/extension/language/forecastTip');
    const { analyzeConfig } = await import('../../src/config/validate');
    const fs = await import('node:fs');
    const dir = tempProject({ 'worker.py': TEST_WORKER, 'config.yaml': localConfig({ partitions: 2, end: '2024-01-02' }) });
    const file = path.join(dir, 'config.yaml');
    const run = await runCli(['--config', file], { env: { SLEEP_S: '0.1' } });
    assert.equal(run.code, 0, run.stderr);
    const tips = new ForecastTips();
    let version = 0;
    const tip = (text: string) => {
      const doc = { uri: { fsPath: file, toString: () => `file://${file}` }, version: ++version, getText: () => text };
      return tips.tip(doc as never, analyzeConfig(text, { file, purpose: 'edit' }).config!);
    };
    const { listRuns, runsRoot } = await import('../../src/record/runs');
    const record = path.join(listRuns(runsRoot(file, 'clitest'))[0], 'record.jsonl');
    const when = new Date(Date.UTC(2024, 0, 1));
    fs.utimesSync(record, when, when); // a time that survives being set again exactly
    const original = fs.readFileSync(file, 'utf8');
    const first = tip(original);
    assert.match(first, /^Forecast: about .* at 2 at once \(from run \S+ .*4 of 4 cells measured\)/);
    // The record is spoilt in place (same size, time and inode): anything that reads it again gives no forecast.
    const st = fs.statSync(record);
    const fd = fs.openSync(record, 'r+');
    fs.writeSync(fd, Buffer.alloc(st.size, 0x20), 0, st.size, 0);
    fs.closeSync(fd);
    fs.utimesSync(record, when, when);
    assert.equal(tip(`# a comment\n${original}\n`), first, 'an edit that does not change the config reads nothing');
    assert.match(tip(original.replace('num_partitions: 2', 'num_partitions: 3')), /^Forecast: none: no earlier run of this same config and script/);
    assert.equal(tip(original), first, 'typed back: the forecast from the record as first read');
  });
});

describe('time left during a run', () => {
  it('scales measured cells by how this run compares, uses its own running means for the rest, and moves smoothly', async () => {
    const { TimeLeft } = await import('../../src/runModel/timeLeft');
    const { applyEvent, createRunState } = await import('../../src/runModel/runState');
    const cells = plan().cells.slice(0, 4);
    const history = new Map([[0, 1000], [1, 1000], [2, 1000], [3, 1000]]);
    const left = new TimeLeft(cells, history, 1);
    const state = createRunState(cells);
    assert.equal(left.estimate(state, 0), 4000, 'before anything ran: the forecast, one at a time');
    // The first cell took twice its measurement: the others are expected to as well.
    applyEvent(state, { type: 'cell-creating', cell: cells[0], attempt: 1, at: 0 });
    applyEvent(state, { type: 'cell-created', cell: cells[0], attempt: 1, serial: 's0', adopted: false, at: 0 });
    const fin = { type: 'cell-finished', cell: cells[0], attempt: 1, outcome: 'succeeded', serial: 's0', at: 2000 } as const;
    applyEvent(state, fin);
    left.onEvent(state, fin);
    assert.equal(left.estimate(state, 2000), 6000);
    // Shown: the first estimate as it is; later ones pulled a fifth of the way, at most once a second.
    assert.equal(left.left(state, 2000), 6000);
    assert.equal(left.left(state, 2500), 5500, 'within a second: the countdown');
    const next = left.left(state, 3000)!;
    assert.equal(next, 5000 + (6000 - 5000) / 5, 'a new estimate (6000) pulls the countdown (5000) a fifth of the way');
    const none = new TimeLeft(cells, new Map(), 2);
    assert.equal(none.estimate(createRunState(cells), 0), undefined, 'nothing measured, nothing seen: no number');
  });
});
