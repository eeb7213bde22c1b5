import { strict as assert } from 'node:assert';
import { countDates, listDates, toDayNumber } from '../../src/util/dates';
import { buildPlan, cellEnv, queryName, waves } from '../../src/plan/plan';
import { dheQuerySpec, encodeEnvVars, rangeScheduling, targetCycleDurationMillis } from '../../src/controllers/dhe/querySpec';
import { cellSpec } from '../../src/plan/cellSpec';
import type { Cell, Plan } from '../../src/plan/plan';

/** The Deephaven query of a cell: the plan's neutral spec, as the dhe controller turns it into a query. */
const querySpec = (plan: Plan, cell: Cell, now?: Date) => dheQuerySpec(cellSpec(plan, cell), now);
import { analyze, BATCH_CONFIG, edit, REPLAY_CONFIG } from '../helpers/configs';

function planOf(text: string) {
  const r = analyze(text);
  assert.ok(r.config, JSON.stringify(r.problems));
  return buildPlan(r.config, 'print("worker")\n');
}

describe('dates', () => {
  it('lists an inclusive range', () => {
    assert.deepEqual(listDates('2024-01-30', '2024-02-02', false), ['2024-01-30', '2024-01-31', '2024-02-01', '2024-02-02']);
  });
  it('a single day', () => {
    assert.deepEqual(listDates('2024-03-05', '2024-03-05', false), ['2024-03-05']);
    assert.deepEqual(listDates('2024-03-09', '2024-03-09', true), [], 'a Saturday alone with weekdays_only is empty');
  });
  it('skips weekends when asked', () => {
    // 2024-01-12 is a Friday, 13/14 the weekend.
    assert.deepEqual(listDates('2024-01-12', '2024-01-15', true), ['2024-01-12', '2024-01-15']);
  });
  it('crosses a leap day', () => {
    assert.deepEqual(listDates('2024-02-28', '2024-03-01', false), ['2024-02-28', '2024-02-29', '2024-03-01']);
    assert.deepEqual(listDates('2023-02-28', '2023-03-01', false), ['2023-02-28', '2023-03-01']);
  });
  it('a whole year: 366 days in 2024, 262 weekdays', () => {
    assert.equal(listDates('2024-01-01', '2024-12-31', false).length, 366);
    assert.equal(listDates('2024-01-01', '2024-12-31', true).length, 262);
    assert.equal(listDates('2023-01-01', '2023-12-31', false).length, 365);
  });
  it('countDates agrees with listDates on many ranges', () => {
    for (let s = 0; s < 30; s++) {
      for (let len = 0; len < 40; len += 3) {
        const a = `2024-01-${String(1 + s).padStart(2, '0')}`;
        const endDay = toDayNumber(a)! + len;
        const b = new Date(endDay * 86400000).toISOString().slice(0, 10);
        for (const w of [true, false]) assert.equal(countDates(a, b, w), listDates(a, b, w).length, `${a}..${b} ${w}`);
      }
    }
  });
  it('rejects impossible dates', () => {
    assert.equal(toDayNumber('2024-02-30'), undefined);
    assert.equal(toDayNumber('2023-02-29'), undefined);
    assert.equal(toDayNumber('2024-13-01'), undefined);
    assert.notEqual(toDayNumber('2024-02-29'), undefined);
  });
});

describe('plan', () => {
  it('orders cells date-major with the spec name format', () => {
    const plan = planOf(REPLAY_CONFIG);
    assert.deepEqual(plan.dates, ['2024-01-15', '2024-01-16', '2024-01-17', '2024-01-18', '2024-01-19']);
    assert.equal(plan.cells.length, 10);
    assert.deepEqual(plan.cells.slice(0, 3).map((c) => [c.date, c.partition, c.queryName]), [
      ['2024-01-15', 0, 'pq_replay_mysim_20240115_0'],
      ['2024-01-15', 1, 'pq_replay_mysim_20240115_1'],
      ['2024-01-16', 0, 'pq_replay_mysim_20240116_0'],
    ]);
    assert.deepEqual(plan.cells.map((c) => c.index), [...Array(10).keys()]);
    assert.equal(queryName('batch', 'mysim', '2024-01-15', 0), 'pq_batch_mysim_20240115_0');
    assert.equal(waves(plan), 1);
  });

  it('gives each cell the auto variables first, then env in file order', () => {
    const plan = planOf(REPLAY_CONFIG);
    const env = cellEnv(plan, plan.cells[3]);
    assert.deepEqual(Object.entries(env), [
      ['SIMULATION_NAME', 'mysim'],
      ['SIMULATION_DATE', '2024-01-16'],
      ['PARTITION_ID', '1'],
      ['NUM_PARTITIONS', '2'],
      ['QUERY_NAME', 'pq_replay_mysim_20240116_1'],
      ['OUTPUT_TABLE', 'results'],
      ['CUSTOM_PARAM', 'value'],
    ]);
  });

  it('the neutral cell spec carries no server vocabulary', () => {
    const plan = planOf(REPLAY_CONFIG);
    const spec = cellSpec(plan, plan.cells[1]);
    assert.equal(spec.mode, 'replay');
    assert.deepEqual(spec.replay, { date: '2024-01-15', start: '09:30:00', speed: 10, sorted: true, bufferRows: 10000, timestampColumns: [{ namespace: 'Market', table: 'Trade', column: 'EventTime' }] });
    const text = JSON.stringify(spec);
    // (JVM properties by name: a bare "-D" also matches a temporary folder named "pqo-test-D…", 1 time in 62.)
    for (const word of ['ReplayScript', 'RunAndDone', 'Scheduler', 'typeSpecificFields', '-DPeriodicUpdateGraph', '-DReplayDatabase']) assert.ok(!text.includes(word), word);
  });

  it('builds the replay query spec the reference describes', () => {
    const plan = planOf(REPLAY_CONFIG);
    const spec = querySpec(plan, plan.cells[1]);
    assert.equal(spec.name, 'pq_replay_mysim_20240115_1');
    assert.equal(spec.type, 'ReplayScript');
    assert.equal(spec.enabled, true);
    assert.equal(spec.serverName, 'AutoQuery');
    assert.equal(spec.heapSizeGb, 4);
    assert.equal(spec.dataMemoryRatio, 0.25);
    assert.equal(spec.workerKind, 'DeephavenCommunity');
    assert.equal(spec.scriptLanguage, 'Python');
    assert.equal(spec.scriptCode, 'print("worker")\n');
    assert.equal(spec.jvmProfile, 'Default');
    assert.equal(spec.timeoutMs, 10 * 60_000, 'init_timeout_minutes in milliseconds');
    assert.equal(spec.restartUsers, 1);
    assert.deepEqual(spec.jvmArgs, [
      '-DPeriodicUpdateGraph.targetCycleDurationMillis=100',
      '-DReplayDatabase.BufferSize=10000',
      '-DReplayDatabase.TimestampColumn.Market.Trade=EventTime',
    ]);
    assert.deepEqual(spec.typeSpecificFields, {
      ReplaySorted: { type: 'boolean', value: 'true' },
      ReplayStart: { type: 'string', value: '09:30:00' },
      ReplayDate: { type: 'string', value: '2024-01-15' },
      ReplaySpeed: { type: 'string', value: '10' },
    });
    assert.equal(spec.scheduling[0], 'SchedulerType=com.illumon.iris.controller.IrisQuerySchedulerContinuous');
    for (const s of ['StartTime=00:00:00', 'TimeZone=UTC', 'SkipIfUnsuccessful=false', 'StopTimeDisabled=true', 'Overnight=false', 'RepeatEnabled=false', 'RestartErrorCount=0', 'RestartErrorDelay=0', 'RestartWhenRunning=Yes', 'SchedulingDisabled=false', 'DailyRestart=false']) {
      assert.ok(spec.scheduling.includes(s), s);
    }
  });

  it('scales the update cycle only above real time, floor(1000/speed), never below 10 ms', () => {
    assert.equal(targetCycleDurationMillis(1), undefined);
    assert.equal(targetCycleDurationMillis(10), 100);
    assert.equal(targetCycleDurationMillis(60), 16);
    assert.equal(targetCycleDurationMillis(100), 10);
    assert.equal(targetCycleDurationMillis(3), 333);
    const plan = planOf(edit(edit(REPLAY_CONFIG, 'replay_speed: 10.0', 'replay_speed: 1'), '  buffer_rows: 10000\n', ''));
    assert.deepEqual(plan.cells.length && querySpec(plan, plan.cells[0]).jvmArgs, ['-DReplayDatabase.TimestampColumn.Market.Trade=EventTime']);
  });

  it('builds the batch query spec with a range schedule and the timeout in ms', () => {
    const plan = planOf(BATCH_CONFIG);
    const now = new Date('2026-11-28T23:30:15Z');
    const spec = querySpec(plan, plan.cells[0], now);
    assert.equal(spec.type, 'RunAndDone');
    assert.equal(spec.timeoutMs, 3_600_000);
    assert.deepEqual(spec.jvmArgs, []);
    assert.deepEqual(spec.typeSpecificFields, {});
    assert.deepEqual(spec.scheduling, rangeScheduling(now, 60));
    assert.ok(spec.scheduling.includes('SchedulerType=com.illumon.iris.controller.IrisQuerySchedulerRange'));
    assert.ok(spec.scheduling.includes('StartDate=2026-11-28'));
    assert.ok(spec.scheduling.includes('StartTime=23:30:15'));
    assert.ok(spec.scheduling.includes('StopDate=2026-11-29'), 'crosses midnight');
    assert.ok(spec.scheduling.includes('StopTime=00:30:15'));
    assert.ok(spec.scheduling.includes('UseStartDateTime=true'));
    assert.ok(spec.scheduling.includes('UseStopDateTime=true'));
  });

  it('encodes env vars one NAME=value per line and refuses line breaks', () => {
    assert.equal(encodeEnvVars({ A: '1', B: 'x=y z' }), 'A=1\nB=x=y z');
    assert.throws(() => encodeEnvVars({ A: 'two\nlines' }), /A holds a line break/);
  });

  it('hashes what decides the queries, not secrets or location', () => {
    const a = planOf(REPLAY_CONFIG);
    const b = planOf(REPLAY_CONFIG);
    assert.equal(a.hash, b.hash);
    assert.notEqual(planOf(edit(REPLAY_CONFIG, 'replay_speed: 10.0', 'replay_speed: 20')).hash, a.hash);
    const other = analyze(REPLAY_CONFIG, { env: { DH_USERNAME: 'alice', DH_PASSWORD: 'different' } });
    assert.equal(buildPlan(other.config!, 'print("worker")\n').hash, a.hash);
    assert.notEqual(buildPlan(other.config!, 'print("changed")\n').hash, a.hash);
  });

  it('fingerprints secrets by name only: the printed hash reveals no secret value, and rotating a token keeps the plan', () => {
    const withEnv = (env: Record<string, string>) => buildPlan(analyze(edit(BATCH_CONFIG, 'env: {}', 'env:\n  API_TOKEN: "${API_TOKEN}"\n  AUTH_MODE: "${MODE_SECRET}"'), { env: { DH_USERNAME: 'u', DH_PASSWORD: 'p', ...env } }).config!, 'print(1)\n').hash;
    const a = withEnv({ API_TOKEN: 'tok-1', MODE_SECRET: 'strict' });
    assert.equal(withEnv({ API_TOKEN: 'tok-2', MODE_SECRET: 'strict' }), a, 'a rotated token is the same plan');
    assert.equal(withEnv({ API_TOKEN: 'tok-1', MODE_SECRET: 'loose' }), a, 'a value read from a secret variable counts by name');
    // Guessing offline: no candidate value for the secret reproduces a different hash.
    const guesses = ['tok-1', 'tok-2', 'strict', 'password', '123456'].map((g) => withEnv({ API_TOKEN: g, MODE_SECRET: g }));
    assert.ok(guesses.every((h) => h === a), 'the hash does not depend on secret values at all');
  });

  it('plans 262 weekdays × 1000 partitions, the last cell named for its date and partition', () => {
    const plan = planOf(edit(edit(BATCH_CONFIG, 'num_partitions: 2', 'num_partitions: 1000'), 'end: "2024-01-31"', 'end: "2024-12-31"'));
    assert.equal(plan.cells.length, 262_000);
    assert.equal(plan.cells[261_999].queryName, 'pq_batch_batchsim_20241231_999');
  });
});

describe('loadPlan: the one path from a config file to a plan', () => {
  it('plans the editor text when given, and never writes the file', async () => {
    const { loadPlan } = await import('../../src/plan/load');
    const { tempProject } = await import('../helpers/configs');
    const fs = await import('node:fs');
    const path = await import('node:path');
    const dir = tempProject();
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, BATCH_CONFIG);
    const before = fs.statSync(file);
    const edited = BATCH_CONFIG.replace(/num_partitions: \d+/, 'num_partitions: 7');
    const r = loadPlan(file, { purpose: 'edit', text: edited, env: { DH_USERNAME: 'u', DH_PASSWORD: 'p' } });
    assert.equal(r.kind, 'plan', JSON.stringify(r));
    assert.equal(r.kind === 'plan' && r.plan.numPartitions, 7, 'the unsaved text, not the file');
    const after = fs.statSync(file);
    assert.equal(after.mtimeMs, before.mtimeMs, 'the file was not written');
    assert.equal(fs.readFileSync(file, 'utf8'), BATCH_CONFIG);
    const missing = loadPlan(path.join(dir, 'nope.yaml'), { purpose: 'edit' });
    assert.equal(missing.kind, 'read-error');
    const bad = loadPlan(file, { purpose: 'edit', text: edited.replace('num_partitions: 7', 'num_partitions: 0') });
    assert.equal(bad.kind, 'invalid');
  });
});
