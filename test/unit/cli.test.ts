import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { latestRun, runsRoot } from '../../src/record/runs';
import { configLockDir } from '../../src/record/lock';
import { cellName, countStates, durationOf, FAILED, type GridData } from '../../src/grid/model';
import { analyze, BATCH_CONFIG, REPLAY_CONFIG, tempProject } from '../helpers/configs';
import { alive, localConfig, runCli, startCli, TEST_WORKER, waitFor, workerPids } from '../helpers/cli';

function project(config: string, worker = TEST_WORKER): { dir: string; config: string } {
  const dir = tempProject({ 'worker.py': worker, 'config.yaml': config });
  return { dir, config: path.join(dir, 'config.yaml') };
}

describe('pq-orchestrator CLI', function () {
  this.timeout(60_000);

  describe('dry run', () => {
    it('prints the plan of a replay config and exits 0 without creating anything', async () => {
      const p = project(REPLAY_CONFIG);
      const r = await runCli(['--config', p.config, '--dry-run'], { env: { DH_USERNAME: 'alice', DH_PASSWORD: 'pw-secret-1' } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Plan: mysim \(replay mode\)/);
      assert.match(r.stdout, /dates\s+2024-01-15 to 2024-01-19, weekdays only: 5 dates/);
      assert.match(r.stdout, /cells\s+10 \(5 dates × 2 partitions\), one query each/);
      assert.match(r.stdout, /cleanup\s+delete successful queries: yes, delete failed queries: no/);
      assert.match(r.stdout, /concurrency\s+50 at once: 1 wave/);
      assert.match(r.stdout, /first query\s+pq_replay_mysim_20240115_0/);
      assert.match(r.stdout, /last query\s+pq_replay_mysim_20240119_1/);
      assert.match(r.stdout, /-DPeriodicUpdateGraph.targetCycleDurationMillis=100/);
      assert.match(r.stdout, /ReplayDate: \{"type":"string","value":"2024-01-15"\}/);
      assert.match(r.stdout, /timeoutMs\s+600000/);
      assert.ok(!r.stdout.includes('pw-secret-1'), 'the password never appears');
      assert.ok(!fs.existsSync(path.join(p.dir, '.pq-orchestrator')), 'a dry run writes no record');
    });

    it('--dry-run --json lists every cell, with its last state once a run exists; the text shows first and last names', async () => {
      const p = project(localConfig({ partitions: 3, end: '2024-01-04' }));
      const before = JSON.parse((await runCli(['--config', p.config, '--dry-run', '--json'])).stdout);
      assert.equal(before.cells.length, 12);
      assert.deepEqual(before.cells[0], { date: '2024-01-01', partition: 0, queryName: 'pq_batch_clitest_20240101_0' });
      assert.deepEqual(before.cells[11], { date: '2024-01-04', partition: 2, queryName: 'pq_batch_clitest_20240104_2' });
      const run = await runCli(['--config', p.config], { env: { FAIL_CELLS: '2024-01-02/1' } });
      assert.equal(run.code, 2, run.stderr);
      const after = JSON.parse((await runCli(['--config', p.config, '--dry-run', '--json'])).stdout);
      assert.equal(after.cells[4].lastState, 'failed');
      assert.equal(after.cells[0].lastState, 'succeeded');
      assert.equal(after.cells.filter((c: { lastState?: string }) => c.lastState === 'succeeded').length, 11);
      const text = await runCli(['--config', p.config, '--dry-run']);
      assert.match(text.stdout, /cell names\s+pq_batch_clitest_20240101_0, pq_batch_clitest_20240101_1, pq_batch_clitest_20240101_2, \.\.\. 6 more \.\.\., pq_batch_clitest_20240104_0, pq_batch_clitest_20240104_1, pq_batch_clitest_20240104_2/);
    });

    it('prints machine-readable JSON with --json, secrets masked', async () => {
      const p = project(BATCH_CONFIG.replace('env: {}', 'env:\n  API_TOKEN: "tok-abcdef"'));
      const r = await runCli(['--config', p.config, '--dry-run', '--json'], { env: { DH_PASSWORD: 'pw-secret-2' } });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.ok, true);
      assert.equal(doc.plan.cells, 46);
      assert.equal(doc.plan.dates.count, 23);
      assert.equal(doc.plan.query.type, 'RunAndDone');
      assert.equal(doc.plan.env.API_TOKEN, '******');
      assert.ok(!r.stdout.includes('tok-abcdef') && !r.stdout.includes('pw-secret-2'));
    });

    it('lists every problem as file:line:col  severity  message  (key) and exits 4', async () => {
      const bad = REPLAY_CONFIG.replace('num_partitions: 2', 'num_partitions: 0').replace('replay_speed: 10.0', 'replay_speed: 500');
      const p = project(bad);
      const r = await runCli(['--config', p.config, '--dry-run'], { env: { DH_USERNAME: 'a', DH_PASSWORD: 'b' } });
      assert.equal(r.code, 4);
      const lines = r.stderr.split('\n').filter((l) => /  error  /.test(l));
      assert.equal(lines.length, 2, r.stderr);
      const cfg = p.config; // outside the CLI's working folder: shown in full
      const numLine = bad.split('\n').findIndex((l) => l.includes('num_partitions: 0')) + 1;
      assert.ok(lines[0].startsWith(`${cfg}:${numLine}:19  error  \`execution.num_partitions\` must be between 1 and 1000, got 0  (execution.num_partitions)`), lines[0]);
      assert.match(lines[1], /replay_speed/);
    });

    it('reports unset variables when running, and --json problems', async () => {
      const p = project(BATCH_CONFIG);
      const r = await runCli(['--config', p.config, '--dry-run', '--json'], { env: { DH_PASSWORD: '' } });
      // An empty credential counts as missing.
      assert.equal(r.code, 4);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.ok, false);
      assert.equal(doc.problems[0].code, 'unset-variable');
      assert.equal(doc.problems[0].path, 'deephaven.password');
    });

    it('exits 4 with a clear message for a missing config file and bad flags', async () => {
      const r = await runCli(['--config', '/nonexistent/config.yaml', '--dry-run']);
      assert.equal(r.code, 4);
      assert.match(r.stderr, /config file not found: \/nonexistent\/config.yaml/);
      const u = await runCli(['--dry-run']);
      assert.equal(u.code, 4);
      assert.match(u.stderr, /a config is required: pq-orchestrator config.yaml; see --help/);
      const h = await runCli(['--help']);
      assert.equal(h.code, 0);
      assert.match(h.stdout, /Exit codes: 0 success/);
      const v = await runCli(['--version']);
      assert.match(v.stdout, /^pq-orchestrator \d+\.\d+\.\d+/);
    });
  });

  describe('local runs', () => {
    it('runs every cell as a local process with the worker environment, exit 0', async () => {
      const worker = `import os, json\nopen(os.environ["QUERY_NAME"] + ".env.json", "w").write(json.dumps({k: os.environ[k] for k in ["SIMULATION_NAME","SIMULATION_DATE","PARTITION_ID","NUM_PARTITIONS","QUERY_NAME","PARAM"]}))\n`;
      const p = project(localConfig(), worker);
      const r = await runCli(['--config', p.config]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Created session 1\/6: date=2024-01-01, partition=0, serial=/);
      assert.match(r.stderr, /Session completed successfully: date=2024-01-03, partition=1/);
      assert.match(r.stderr, /succeeded\s+6/);
      const env = JSON.parse(fs.readFileSync(path.join(p.dir, 'pq_batch_clitest_20240102_1.env.json'), 'utf8'));
      assert.deepEqual(env, { SIMULATION_NAME: 'clitest', SIMULATION_DATE: '2024-01-02', PARTITION_ID: '1', NUM_PARTITIONS: '2', QUERY_NAME: 'pq_batch_clitest_20240102_1', PARAM: 'x' });
    });

    it('a failing worker: exit 2, its traceback in the summary and its log kept', async () => {
      const p = project(localConfig());
      const r = await runCli(['--config', p.config], { env: { FAIL_CELLS: '2024-01-02/1' } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /Session failed \(execution\): date=2024-01-02, partition=1/);
      assert.match(r.stderr, /Failed sessions:\n\s+2024-01-02 partition 1\s+pq_batch_clitest_20240102_1/);
      assert.match(r.stderr, /ValueError: bad data for 2024-01-02\/1/);
      assert.match(r.stderr, /--rerun-failed/);
      const run = latestRun(runsRoot(p.config, 'clitest'))!;
      const logs = fs.readdirSync(path.join(run.dir, 'logs'));
      const failedLog = logs.find((f) => f.startsWith('pq_batch_clitest_20240102_1.'))!;
      assert.match(fs.readFileSync(path.join(run.dir, 'logs', failedLog), 'utf8'), /Traceback[\s\S]*worker.py", line \d+[\s\S]*ValueError/);
    });

    it('--rerun-failed runs only the failed cells of the last run', async () => {
      const p = project(localConfig());
      const first = await runCli(['--config', p.config], { env: { FAIL_CELLS: '2024-01-01/0,2024-01-03/1' } });
      assert.equal(first.code, 2);
      const mark = path.join(p.dir, 'marks');
      const again = await runCli(['--config', p.config, '--rerun-failed'], { env: { MARK_DIR: mark } });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /rerunning 2 failed cells/);
      const done = fs.readdirSync(mark).filter((f) => f.endsWith('.done')).sort();
      assert.deepEqual(done, ['pq_batch_clitest_20240101_0.done', 'pq_batch_clitest_20240103_1.done']);
      const nothing = await runCli(['--config', p.config, '--rerun-failed']);
      assert.equal(nothing.code, 0);
      assert.match(nothing.stderr, /no failed cells/);
    });

    it('fix the worker, then --rerun-failed: exactly the failed cells run with the fixed script; a cell no longer planned is named', async () => {
      // The worker fails two cells; the "fix" is an edited script (the plan hash changes with it).
      const broken = TEST_WORKER.replace('if cell in os.environ.get("FAIL_CELLS", "")', 'if cell in "2024-01-01/0,2024-01-03/1"');
      const p = project(localConfig(), broken);
      const first = await runCli(['--config', p.config]);
      assert.equal(first.code, 2, first.stderr);
      fs.writeFileSync(path.join(p.dir, 'worker.py'), TEST_WORKER);
      const mark = path.join(p.dir, 'marks');
      const again = await runCli(['--config', p.config, '--rerun-failed'], { env: { MARK_DIR: mark } });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /rerunning 2 failed cells of run \S+ with the config and worker script as they are now/);
      assert.match(again.stderr, /succeeded\s+2/);
      assert.deepEqual(fs.readdirSync(mark).filter((f) => f.endsWith('.done')).sort(), ['pq_batch_clitest_20240101_0.done', 'pq_batch_clitest_20240103_1.done']);
      // Fail both again, then shrink the plan: the partition-1 cell is gone from it and is named, the other reruns.
      fs.writeFileSync(path.join(p.dir, 'worker.py'), broken);
      assert.equal((await runCli(['--config', p.config])).code, 2);
      fs.writeFileSync(p.config, localConfig({ partitions: 1 }));
      fs.writeFileSync(path.join(p.dir, 'worker.py'), TEST_WORKER);
      const shrunk = await runCli(['--config', p.config, '--rerun-failed']);
      assert.equal(shrunk.code, 0, shrunk.stderr);
      assert.match(shrunk.stderr, /1 failed cell is no longer in clitest as the config is now, and was left out: pq_batch_clitest_20240103_1/);
      assert.match(shrunk.stderr, /rerunning 1 failed cell of run/);
    });

    it('--resume after the worker changed points to --rerun-remaining, which runs every unfinished cell with the current script', async () => {
      const p = project(localConfig({ concurrency: 2 }));
      const mark = path.join(p.dir, 'marks');
      const cli = startCli(['--config', p.config], { env: { SLEEP_S: '1.2', MARK_DIR: mark } });
      await waitFor(() => workerPids(mark).length === 2, 15_000, 'two workers');
      cli.child.kill('SIGINT');
      assert.equal((await cli.done).code, 4);
      fs.appendFileSync(path.join(p.dir, 'worker.py'), '# fixed\n');
      const resumed = await runCli(['--config', p.config, '--resume']);
      assert.equal(resumed.code, 4);
      assert.match(resumed.stderr, /resuming continues a run unchanged; its remaining cells can run with the config and script as they are now: pq-orchestrator --rerun-remaining/);
      const rest = await runCli(['--config', p.config, '--rerun-remaining'], { env: { MARK_DIR: path.join(p.dir, 'rest') } });
      assert.equal(rest.code, 0, rest.stderr);
      assert.match(rest.stderr, /rerunning 4 unfinished cells of run \S+ with the config and worker script as they are now/);
      assert.equal(fs.readdirSync(path.join(p.dir, 'rest')).filter((f) => f.endsWith('.done')).length, 4, 'the two that finished are not run again');
    });

    it('first SIGINT lets running workers finish and creates no more; exit 4, resumable', async () => {
      const p = project(localConfig({ concurrency: 2 }));
      const mark = path.join(p.dir, 'marks');
      const cli = startCli(['--config', p.config], { env: { SLEEP_S: '1.2', MARK_DIR: mark } });
      await waitFor(() => workerPids(mark).length === 2, 15_000, 'two workers');
      cli.child.kill('SIGINT');
      const r = await cli.done;
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /Shutdown signal received/);
      assert.match(r.stderr, /succeeded\s+2/);
      assert.match(r.stderr, /not started\s+4/);
      assert.equal(fs.readdirSync(mark).filter((f) => f.endsWith('.done')).length, 2, 'the running two finished');
      for (const pid of workerPids(mark)) assert.ok(!alive(pid));
      const resumed = await runCli(['--config', p.config, '--resume'], { env: { MARK_DIR: mark } });
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stderr, /Resuming run/);
      assert.equal(fs.readdirSync(mark).filter((f) => f.endsWith('.done')).length, 6, 'each cell ran once');
    });

    it('second SIGINT stops the running workers; none outlives the run', async () => {
      const p = project(localConfig({ concurrency: 3 }));
      const mark = path.join(p.dir, 'marks');
      const cli = startCli(['--config', p.config], { env: { SLEEP_S: '30', MARK_DIR: mark } });
      await waitFor(() => workerPids(mark).length === 3, 15_000, 'three workers');
      cli.child.kill('SIGINT');
      await waitFor(() => /Shutdown signal received/.test(cli.output()), 5000, 'first signal');
      cli.child.kill('SIGINT');
      const r = await cli.done;
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /cancelled\s+3 \(stopped and deleted\)/);
      const pids = workerPids(mark);
      assert.equal(pids.length, 3);
      await waitFor(() => pids.every((pid) => !alive(pid)), 3000, 'workers gone');
    });

    it('kill -9 of the CLI mid-run: workers die with it, --resume loses no cell and duplicates none', async () => {
      const p = project(localConfig({ concurrency: 2, end: '2024-01-04' }));
      const mark = path.join(p.dir, 'marks');
      const cli = startCli(['--config', p.config], { env: { SLEEP_S: '0.4', MARK_DIR: mark } });
      await waitFor(() => fs.existsSync(mark) && fs.readdirSync(mark).filter((f) => f.endsWith('.done')).length >= 3, 20_000, 'some cells done');
      cli.child.kill('SIGKILL');
      await cli.done;
      const pids = workerPids(mark);
      await waitFor(() => pids.every((pid) => !alive(pid)), 5000, 'orphaned workers to die');
      const before = latestRun(runsRoot(p.config, 'clitest'))!;
      const recordedDone = [...new Set(before.lines.flatMap((l) => (l.t === 'finished' && l.o === 'succeeded' ? [l.i] : [])))];
      assert.ok(recordedDone.length >= 1, 'some successes were recorded before the kill');
      const r = await runCli(['--config', p.config, '--resume'], { env: { SLEEP_S: '0', MARK_DIR: mark } });
      assert.equal(r.code, 0, r.stderr);
      const record = latestRun(runsRoot(p.config, 'clitest'))!;
      const succeeded = new Set(record.lines.flatMap((l) => (l.t === 'finished' && l.o === 'succeeded' ? [l.i] : []))).size;
      assert.equal(succeeded, 8, 'every cell succeeded once across both processes');
      const doneAfter = fs.readdirSync(mark).filter((f) => f.endsWith('.done'));
      assert.equal(doneAfter.length, 8);
      // Cells recorded as succeeded before the kill did not run again. (A cell that finished in the instant between
      // its worker's exit and the record line runs again: at least once, never lost.)
      const starts = fs.readdirSync(mark).filter((f) => f.endsWith('.pid')).map((f) => f.split('.')[0]);
      const counts = new Map<string, number>();
      for (const q of starts) counts.set(q, (counts.get(q) ?? 0) + 1);
      for (const i of recordedDone) {
        const q = `pq_batch_clitest_${['20240101', '20240102', '20240103', '20240104'][Math.floor(i / 2)]}_${i % 2}`;
        assert.equal(counts.get(q), 1, `${q} ran once`);
      }
    });

    it('kill -9 of the CLI while workers are still working: the reaper kills them (sh is dash on Debian)', async () => {
      const p = project(localConfig({ concurrency: 3, end: '2024-01-04' }));
      const mark = path.join(p.dir, 'marks');
      const cli = startCli(['--config', p.config], { env: { SLEEP_S: '120', MARK_DIR: mark } });
      await waitFor(() => workerPids(mark).length === 3, 20_000, 'three workers running');
      const pids = workerPids(mark);
      assert.ok(pids.every(alive));
      cli.child.kill('SIGKILL');
      await cli.done;
      await waitFor(() => pids.every((pid) => !alive(pid)), 5000, 'workers that would run 120 s to be killed by the reaper');
    });

    it('workers get the cell variables and a minimal base environment, never the Deephaven credentials', async () => {
      const p = project(localConfig({ partitions: 1, end: '2024-01-01' }));
      const mark = path.join(p.dir, 'marks');
      const r = await runCli(['--config', p.config], { env: { MARK_DIR: mark, DUMP_ENV: '1', DH_PASSWORD: 'pw-leak-check', AWS_SECRET_ACCESS_KEY: 'aws-leak', SOME_OTHER_VAR: 'x' } });
      assert.equal(r.code, 0, r.stderr);
      const dump = fs.readdirSync(mark).find((f) => f.endsWith('.env.json'))!;
      const env = JSON.parse(fs.readFileSync(path.join(mark, dump), 'utf8')) as Record<string, string>;
      assert.equal(env.QUERY_NAME, 'pq_batch_clitest_20240101_0');
      assert.equal(env.PARAM, 'x');
      assert.ok(env.PATH, 'PATH is kept');
      for (const leaked of ['DH_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'SOME_OTHER_VAR']) assert.equal(env[leaked], undefined, `${leaked} reached the worker`);
    });

    it('a worker that starts a child and exits 0 leaves nothing running after the run', async () => {
      const worker = 'import os, subprocess\nq = os.environ["QUERY_NAME"]\nchild = subprocess.Popen(["sleep", "60"])\nopen(os.path.join(os.environ["MARK_DIR"], q + ".child"), "w").write(str(child.pid))\nprint("started", child.pid)\n';
      const p = project(localConfig({ partitions: 1, end: '2024-01-02' }), worker);
      const mark = path.join(p.dir, 'marks');
      fs.mkdirSync(mark);
      const r = await runCli(['--config', p.config], { env: { MARK_DIR: mark } });
      assert.equal(r.code, 0, r.stderr);
      const children = fs.readdirSync(mark).map((f) => Number(fs.readFileSync(path.join(mark, f), 'utf8')));
      assert.equal(children.length, 2);
      await waitFor(() => children.every((pid) => !alive(pid)), 5000, 'the workers\' children to be gone');
    });

    it('two runs of one config started together: one runs every cell once, the other is refused with exit 4', async () => {
      const p = project(localConfig({ concurrency: 2, end: '2024-01-02' }));
      const mark = path.join(p.dir, 'marks');
      const env = { SLEEP_S: '0.3', MARK_DIR: mark };
      const [a, b] = await Promise.all([runCli(['--config', p.config], { env }), runCli(['--config', p.config], { env })]);
      const codes = [a.code, b.code].sort();
      assert.deepEqual(codes, [0, 4], a.stderr + b.stderr);
      const refused = a.code === 4 ? a : b;
      assert.match(refused.stderr, /not started: another run of this config \(pid \d+ on .+, started .+\) is still running/);
      assert.equal(workerPids(mark).length, 4, 'executions equal cells');
      assert.ok(!fs.existsSync(path.join(configLockDir(p.config, 'clitest'), 'run.lock')), 'the lock is released at the end');
    });

    it('two runs of one config with different --run-dir: the second is refused (the lock is the config\'s, not the run folder\'s)', async () => {
      const p = project(localConfig({ concurrency: 2, end: '2024-01-02' }));
      const mark = path.join(p.dir, 'marks');
      const env = { SLEEP_S: '0.3', MARK_DIR: mark };
      const [a, b] = await Promise.all([runCli(['--config', p.config, '--run-dir', path.join(p.dir, 'one')], { env }), runCli(['--config', p.config, '--run-dir', path.join(p.dir, 'two')], { env })]);
      assert.deepEqual([a.code, b.code].sort(), [0, 4], a.stderr + b.stderr);
      assert.equal(workerPids(mark).length, 4, 'executions equal cells (it was 8: each run ran every cell)');
    });

    it('a lock whose pid now belongs to an unrelated process is known as stale by the process start time', async () => {
      const p = project(localConfig({ partitions: 1, end: '2024-01-01' }));
      const dir = configLockDir(p.config, 'clitest');
      fs.mkdirSync(dir, { recursive: true });
      // This test's own process stands in for the unrelated process that got the dead run's pid.
      fs.writeFileSync(path.join(dir, 'run.lock'), JSON.stringify({ pid: process.pid, pidStart: '1', host: os.hostname(), startedAt: 1 }));
      const r = await runCli(['--config', p.config]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`took over the lock of an earlier run that no longer runs \\(pid ${process.pid}`));
    });

    it('a run folder that cannot be written: told before anything runs, naming the folder and why', async function () {
      if (process.getuid?.() !== 0) this.skip(); // the check needs a user without write access: run as nobody
      const p = project(localConfig({ partitions: 1, end: '2024-01-01' }));
      const ro = path.join(p.dir, 'ro');
      fs.mkdirSync(ro);
      fs.chmodSync(p.dir, 0o755);
      fs.chmodSync(ro, 0o555);
      for (const f of fs.readdirSync(p.dir)) if (f !== 'ro') fs.chmodSync(path.join(p.dir, f), 0o644);
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.join(__dirname, '..', '..', '..', 'bin', 'pq-orchestrator.js'), '--config', p.config, '--run-dir', ro], { env: { PATH: process.env.PATH, HOME: '/tmp' } });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d));
        child.on('close', (code: number | null) => resolve({ code, stderr }));
      });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, new RegExp(`not started: the run folder ${path.join(ro, 'clitest')} cannot be made: ${ro} is not writable \\(EACCES\\)`));
    });

    it('a lock left by a killed run is taken over with a notice', async () => {
      const p = project(localConfig({ partitions: 1, end: '2024-01-01' }));
      const root = configLockDir(p.config, 'clitest');
      fs.mkdirSync(root, { recursive: true });
      fs.writeFileSync(path.join(root, 'run.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), startedAt: 1 }));
      const r = await runCli(['--config', p.config]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /WARNING: took over the lock of an earlier run that no longer runs \(pid 4206649/);
    });

    it('a worker that ended after the last record line was written is not run again by --resume', async () => {
      // As if kill -9 struck between a worker's exit and its "finished" line: cut the record after the creations.
      const p = project(localConfig({ partitions: 2, end: '2024-01-01' }));
      const mark = path.join(p.dir, 'marks');
      const first = await runCli(['--config', p.config], { env: { MARK_DIR: mark } });
      assert.equal(first.code, 0, first.stderr);
      const root = runsRoot(p.config, 'clitest');
      const record = path.join(root, fs.readdirSync(root)[0], 'record.jsonl');
      const kept = fs.readFileSync(record, 'utf8').split('\n').filter((l) => /"t":"(run|creating|created)"/.test(l));
      fs.writeFileSync(record, kept.join('\n') + '\n');
      const r = await runCli(['--config', p.config, '--resume'], { env: { MARK_DIR: mark } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /succeeded\s+2/);
      assert.equal(workerPids(mark).length, 2, 'each worker ran once');
    });

    it('--resume refuses a changed config, and a finished run', async () => {
      const p = project(localConfig());
      assert.equal((await runCli(['--config', p.config])).code, 0);
      const finished = await runCli(['--config', p.config, '--resume']);
      assert.equal(finished.code, 4);
      assert.match(finished.stderr, /already finished/);
      fs.writeFileSync(p.config, localConfig({ partitions: 3 }));
      const changed = await runCli(['--config', p.config, '--resume']);
      assert.equal(changed.code, 4);
      assert.match(changed.stderr, /changed since run/);
    });

    it('--json prints one event per line', async () => {
      const p = project(localConfig({ end: '2024-01-01' }));
      const r = await runCli(['--config', p.config, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(events[0].type, 'run-started');
      assert.equal(events.at(-1).type, 'run-finished');
      assert.equal(events.at(-1).summary.succeeded, 2);
      assert.equal(events.filter((e) => e.type === 'cell-finished').length, 2);
    });

    it('--json: every output is one NDJSON line with a schema version; the last names the run record', async () => {
      const p = project(localConfig({ end: '2024-01-01' }));
      const r = await runCli([p.config, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(events.every((e) => e.v === 1), 'each event carries the schema version');
      assert.ok(fs.existsSync(events.at(-1).record), 'run-finished names the record file');
      const bad = project(localConfig({ end: '2024-01-01' }).replace('num_partitions: 2', 'num_partitions: 0'));
      const problems = await runCli([bad.config, '--json']);
      assert.equal(problems.code, 4);
      assert.equal(problems.stdout.trim().split('\n').length, 1, 'a config error in run mode is one line too');
      assert.equal(JSON.parse(problems.stdout).ok, false);
    });

    it('the config may be given alone; a usage error is one line that points at --help', async () => {
      const p = project(localConfig({ end: '2024-01-01' }));
      const dry = await runCli([p.config, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /Dry run: nothing was started\. 2 worker processes would be started\./);
      // A local plan in the words of a local run: no queries, no server cleanup, no internal field names.
      assert.match(dry.stdout, /cells\s+2 \(1 date × 2 partitions\), one worker process each/);
      assert.match(dry.stdout, /working folder\s+\S+\n\s+log folder\s+\S+<run id>\/logs\/\n\s+timeout\s+5 min/);
      assert.doesNotMatch(dry.stdout, /cleanup|delete successful|workingFolder|timeoutMs|queries would/);
      const wrong = await runCli([p.config, '--frobnicate']);
      assert.equal(wrong.code, 4);
      assert.equal(wrong.stderr.trim(), 'pq-orchestrator: unknown option: --frobnicate; see --help');
      const two = await runCli([p.config, p.config]);
      assert.match(two.stderr.trim(), /^pq-orchestrator: unexpected argument: .*; see --help$/);
      const typo = await runCli(['--confg', p.config]);
      assert.equal(typo.stderr.trim(), 'pq-orchestrator: unknown option: --confg; did you mean --config?; see --help');
      const typo2 = await runCli([p.config, '--rerun-faild']);
      assert.match(typo2.stderr, /did you mean --rerun-failed\?/);
    });

    it('--quiet prints only errors and the summary; colour only on a terminal, NO_COLOR and FORCE_COLOR obeyed', async () => {
      const p = project(localConfig({ end: '2024-01-02' }));
      const quiet = await runCli([p.config, '--quiet'], { env: { FAIL_CELLS: '2024-01-02/1' } });
      assert.equal(quiet.code, 2, quiet.stderr);
      assert.ok(!/\] INFO:/.test(quiet.stderr), 'no INFO lines');
      assert.match(quiet.stderr, /\] ERROR: Session failed/);
      assert.match(quiet.stderr, /Summary of clitest/);
      assert.ok(!quiet.stderr.includes('\x1b['), 'not a terminal: no colour');
      const forced = await runCli([p.config, '--rerun-failed', '--quiet'], { env: { FORCE_COLOR: '1', FAIL_CELLS: '2024-01-02/1' } });
      assert.match(forced.stderr, /\x1b\[31mERROR\x1b\[39m/, 'FORCE_COLOR colours ERROR');
      assert.match(forced.stderr, /failed {8}\x1b\[31m1\x1b\[39m/, 'and the failed count');
      const { painter } = await import('../../src/cli/colour');
      assert.equal(painter({ env: { NO_COLOR: '1' }, isTTY: true }).red('x'), 'x', 'NO_COLOR turns it off on a terminal');
      assert.equal(painter({ env: {}, isTTY: true }).red('x'), '\x1b[31mx\x1b[39m');
    });

    it('execution.order longest_first: the second run starts the cells the first saw take longest; the dry run says why', async () => {
      const worker = 'print("ok")\n';
      const p = project(localConfig({ partitions: 4, concurrency: 1, end: '2024-01-02', extraExec: '  order: "longest_first"\n' }), worker);
      const dry = await runCli([p.config, '--dry-run']);
      assert.match(dry.stdout, /order\s+longest_first, but no earlier run of this same config and script to learn durations from: date by date/);
      const first = await runCli([p.config, '--json']);
      assert.equal(first.code, 0, first.stderr);
      const creating = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'cell-creating').map((e) => `${e.cell.date.slice(-2)}/${e.cell.partition}`);
      assert.deepEqual(creating(first.stdout), ['01/0', '01/1', '01/2', '01/3', '02/0', '02/1', '02/2', '02/3'], 'no history: date by date');
      // The history the second run learns from, made exact (measured times under load are noise): partition p took
      // p seconds in the first run.
      const root = runsRoot(p.config, 'clitest');
      const record = path.join(root, fs.readdirSync(root)[0], 'record.jsonl');
      const lines = fs.readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>);
      for (const l of lines) {
        if (typeof l.i !== 'number') continue;
        if (l.t === 'creating' || l.t === 'created') l.ms = l.i * 10;
        if (l.t === 'finished') l.ms = (l.i as number) * 10 + (l.i % 4) * 1000;
      }
      fs.writeFileSync(record, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      const dry2 = await runCli([p.config, '--dry-run']);
      assert.match(dry2.stdout, /order\s+longest_first: 8 of 8 cells timed by run /);
      assert.match(dry2.stdout, /starts with\s+pq_batch_clitest_2024010[12]_3/);
      const second = await runCli([p.config, '--json']);
      assert.equal(second.code, 0, second.stderr);
      const order = creating(second.stdout);
      assert.deepEqual(order.map((c) => c.split('/')[1]), ['3', '3', '2', '2', '1', '1', '0', '0'], 'longest first');
      const bad = project(localConfig({ extraExec: '  order: "shortest_first"\n' }));
      const r = await runCli([bad.config, '--dry-run']);
      assert.equal(r.code, 4);
      assert.match(r.stderr, /execution\.order` must be one of "dates", "longest_first"/);
    });

    it('--report writes one self-contained HTML grid of the run; --last-run writes it again without running', async () => {
      const p = project(localConfig({ end: '2024-01-02' }));
      const out = path.join(p.dir, 'report.html');
      const r = await runCli([p.config, '--report', out], { env: { FAIL_CELLS: '2024-01-02/1' } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /Report: /);
      const html = fs.readFileSync(out, 'utf8');
      const nonce = /script-src 'nonce-([^']+)'/.exec(html)?.[1];
      assert.ok(nonce, 'a CSP with a nonce');
      assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
      assert.ok(html.includes(`<script nonce="${nonce}">`), 'the drawing script carries the nonce, inline');
      assert.ok(!/(src|href)=["']?https?:/.test(html), 'nothing fetched from the network');
      const dataOf = (page: string): GridData => JSON.parse(/<script type="application\/json" id="pqo-data">(.*?)<\/script>/s.exec(page)![1]);
      const data = dataOf(html);
      assert.deepEqual(countStates(data.states), [0, 0, 0, 0, 3, 1, 0, 0]);
      assert.equal(data.states.length, 4);
      assert.equal(cellName(data, 3), 'pq_batch_clitest_20240102_1');
      assert.equal(data.states[3], FAILED);
      assert.ok(data.starts.every((t) => t >= 0) && data.ends.every((t, i) => t >= data.starts[i]), 'every cell has its start and end');
      assert.ok(data.attempts.every((a) => a === 1));
      assert.match(data.summary, /Summary of clitest/);
      fs.rmSync(out);
      const again = await runCli([p.config, '--report', out, '--last-run']);
      assert.equal(again.code, 0, again.stderr);
      const replayed = dataOf(fs.readFileSync(out, 'utf8'));
      assert.deepEqual(countStates(replayed.states), countStates(data.states));
      const durations = (g: GridData) => g.states.map((_, i) => durationOf(g, i));
      assert.deepEqual(durations(replayed), durations(data), 'the record gives the same durations as the live run');
      assert.match(replayed.summary, /succeeded +3\n[^]*ValueError: bad data for 2024-01-02\/1/);
    });

    it('--report into a folder that does not exist: told before anything runs, one line, no stack trace', async () => {
      const p = project(localConfig({ end: '2024-01-02' }));
      const out = path.join(p.dir, 'no-such-folder', 'report.html');
      for (const extra of [[], ['--last-run']]) {
        const r = await runCli([p.config, '--report', out, ...extra]);
        assert.equal(r.code, 4, r.stderr);
        assert.equal(r.stderr.trim(), `pq-orchestrator: cannot write the report ${out}: the folder ${path.dirname(out)} does not exist; nothing was run`);
      }
      assert.equal(latestRun(runsRoot(p.config, 'clitest')), undefined, 'no run was started');
    });

    it('--report --last-run after fixing and rerunning the failed cells draws the whole backtest, not the rerun alone', async () => {
      const broken = TEST_WORKER.replace('if cell in os.environ.get("FAIL_CELLS", "")', 'if cell in "2024-01-01/0,2024-01-03/1"');
      const p = project(localConfig(), broken);
      assert.equal((await runCli(['--config', p.config])).code, 2);
      fs.writeFileSync(path.join(p.dir, 'worker.py'), TEST_WORKER);
      assert.equal((await runCli(['--config', p.config, '--rerun-failed'])).code, 0);
      const out = path.join(p.dir, 'whole.html');
      const r = await runCli([p.config, '--report', out, '--last-run']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /with 1 earlier run it reran/);
      const data = JSON.parse(/<script type="application\/json" id="pqo-data">(.*?)<\/script>/s.exec(fs.readFileSync(out, 'utf8'))![1]) as GridData;
      assert.equal(data.states.length, 6);
      assert.deepEqual(countStates(data.states), [0, 0, 0, 0, 6, 0, 0, 0], 'six succeeded: four from the first run, two from the rerun; no blank cell');
      assert.match(data.summary, /succeeded\s+6/);
    });

    it('--report never overwrites the config, the worker script or a file that is not an earlier report', async () => {
      const p = project(localConfig({ end: '2024-01-01' }));
      assert.equal((await runCli([p.config])).code, 0);
      const config = fs.readFileSync(p.config, 'utf8');
      const notes = path.join(p.dir, 'notes.html');
      fs.writeFileSync(notes, '<p>my notes</p>');
      for (const [target, why] of [
        [p.config, 'a report is an .html file'],
        [path.join(p.dir, 'worker.py'), 'a report is an .html file'],
        [notes, 'exists and is not an earlier report'],
      ]) {
        const r = await runCli([p.config, '--report', target, '--last-run']);
        assert.equal(r.code, 4, r.stderr);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`cannot write the report .*${why}`));
      }
      assert.equal(fs.readFileSync(p.config, 'utf8'), config, 'the config is untouched');
      assert.equal(fs.readFileSync(path.join(p.dir, 'worker.py'), 'utf8'), TEST_WORKER);
      assert.equal(fs.readFileSync(notes, 'utf8'), '<p>my notes</p>');
      const out = path.join(p.dir, 'report.html');
      assert.equal((await runCli([p.config, '--report', out, '--last-run'])).code, 0);
      assert.equal((await runCli([p.config, '--report', out, '--last-run'])).code, 0, 'an earlier report is replaced');
    });

    it('a replay worker that exits 0 has stopped itself: success', async () => {
      const p = project(localConfig({ mode: 'replay', end: '2024-01-01' }));
      const r = await runCli(['--config', p.config]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(analyze(localConfig({ mode: 'replay' }), { dir: p.dir }).config);
    });

    it('a missing interpreter is a creation failure with a clear message', async () => {
      const p = project(localConfig({ end: '2024-01-01' }).replace('env:', 'local:\n  python: "/nonexistent/python9"\nenv:'));
      const r = await runCli(['--config', p.config], { env: { PQO_TEST_TIMING: JSON.stringify({ retryBaseMs: 1, retryMaxMs: 2 }) } });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /cannot start \/nonexistent\/python9/);
    });
  });
});
