import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordFollower } from '../../src/record/follow';
import { RunsWatcher } from '../../src/record/runsWatcher';
import type { RecordLine } from '../../src/record/format';
import { describeOwner, ownerLiveness, requestStop, STOP_FILE } from '../../src/record/owner';
import { processStartTime } from '../../src/record/lock';
import { readRecord } from '../../src/record/reader';
import { followedRun, recordedState } from '../../src/record/replay';
import { runsRoot } from '../../src/record/runs';
import { applyEvent, type RunState } from '../../src/runModel/runState';
import { loadPlan } from '../../src/plan/load';
import type { Cell, Plan } from '../../src/plan/plan';
import { tempProject } from '../helpers/configs';
import { localConfig, runCli, startCli, TEST_WORKER, waitFor } from '../helpers/cli';

function project(config: string): { dir: string; config: string } {
  const dir = tempProject({ 'worker.py': TEST_WORKER, 'config.yaml': config });
  return { dir, config: path.join(dir, 'config.yaml') };
}

function planOf(config: string): Plan {
  const l = loadPlan(config, { purpose: 'edit' });
  assert.equal(l.kind, 'plan');
  return (l as Extract<typeof l, { kind: 'plan' }>).plan;
}

function onlyRun(config: string): string {
  const root = runsRoot(config, 'clitest');
  const dirs = fs.readdirSync(root).filter((d) => !d.startsWith('run.lock'));
  assert.equal(dirs.length, 1, dirs.join(', '));
  return path.join(root, dirs[0]);
}

const strip = (s: RunState<Cell>) => ({
  runId: s.runId,
  phase: s.phase,
  cancel: s.cancel,
  counts: s.counts,
  created: s.created,
  failures: s.failures.map((f) => [f.cell.index, f.kind, f.attempt, f.serial]),
  cells: [...s.cells.values()].map((r) => [r.cell.index, r.state, r.attempt, r.serial, r.createdAt, r.endedAt]),
  exitCode: s.exitCode,
});

/** Follows `file`, collecting lines and problems; `read` is called by the test (no watcher). */
function follow(file: string, options: ConstructorParameters<typeof RecordFollower>[2] = { watch: () => ({ close() {} }) }) {
  const lines: RecordLine[] = [];
  const problems: { message: string; fatal: boolean }[] = [];
  const f = new RecordFollower(file, { line: (l) => lines.push(l), problem: (message, fatal) => problems.push({ message, fatal }) }, options);
  return { f, lines, problems };
}

describe('attaching to a run through its record', function () {
  this.timeout(120_000);

  it('a record read as it grows, cut anywhere (mid-line, mid-character), gives every line once and the state a replay gives', async () => {
    const p = project(localConfig({ partitions: 3, end: '2024-01-03', extraExec: '' }));
    // A failing cell puts a traceback (free text) in the record; a non-ASCII date comment would not: the detail is.
    const r = await runCli(['--config', p.config], { env: { FAIL_CELLS: '2024-01-02/1' } });
    assert.equal(r.code, 2, r.stderr);
    const dir = onlyRun(p.config);
    const whole = fs.readFileSync(path.join(dir, 'record.jsonl'));
    // The same bytes, with a multi-byte character in a line, written in pieces of every size into a file being followed.
    const text = Buffer.concat([whole, Buffer.from(JSON.stringify({ t: 'deleted', i: 0, s: 'é-1', at: 1 }) + '\n')]);
    const plan = planOf(p.config);
    for (const seed of [1, 5, 17]) {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-follow-'));
      const file = path.join(out, 'record.jsonl');
      fs.writeFileSync(file, '');
      const { f, lines, problems } = follow(file);
      f.start();
      let x = seed;
      const rnd = () => ((x = (x * 48271) % 2147483647) / 2147483647);
      let state: RunState<Cell> | undefined;
      let run: ReturnType<typeof followedRun> | undefined;
      let used = 0;
      for (let at = 0; at < text.length; ) {
        const n = 1 + Math.floor(rnd() * 300);
        fs.appendFileSync(file, text.subarray(at, at + n));
        at += n;
        f.read();
        for (; used < lines.length; used++) {
          const l = lines[used];
          if (l.t === 'run') {
            run = followedRun(l, plan);
            state = run.state;
          }
          const e = run?.event(l);
          if (e && state) applyEvent(state, e);
        }
        // Never a line that is not whole yet.
        const whole = text.subarray(0, at).toString('latin1').split('\n').length - 1;
        assert.ok(lines.length <= whole, `seed ${seed}: ${lines.length} lines from ${whole} whole ones`);
      }
      f.stop();
      const all = text.toString('utf8').split('\n').filter(Boolean);
      // The serial "é-1" is not a serial (letters, digits, - and _): that line is skipped with a warning, as readRecord does.
      assert.equal(lines.length, all.length - 1, `seed ${seed}`);
      assert.deepEqual(problems.map((q) => q.fatal), [false]);
      assert.match(problems[0].message, /record\.jsonl:\d+: serial .* is not a serial/);
      assert.deepEqual(strip(state!), strip(recordedState(readRecord(dir)!, plan)), `seed ${seed}: the followed state is the replayed one`);
      assert.equal(f.bytesRead, text.length, 'each byte read once');
    }
  });

  it('a line without its newline waits for it; a deleted, cut short or replaced record is reported once, never thrown', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-follow-'));
    const file = path.join(dir, 'record.jsonl');
    const header = JSON.stringify({ t: 'run', runId: 'r1', planHash: 'h', config: 'c', name: 'n', mode: 'batch', backend: 'local', cells: 2, at: 1000 });
    fs.writeFileSync(file, header + '\n{"t":"creating","i":0,"ms":5');
    const a = follow(file);
    a.f.start();
    assert.deepEqual(a.lines.map((l) => l.t), ['run']);
    fs.appendFileSync(file, '}\n');
    a.f.read();
    assert.deepEqual(a.lines.map((l) => l.t), ['run', 'creating'], 'the torn line, once whole');
    assert.equal((a.lines[1] as { at: number }).at, 1005, 'its time filled in as readRecord does');
    assert.equal(a.problems.length, 0);

    fs.truncateSync(file, 10);
    a.f.read();
    assert.equal(a.problems.length, 1);
    assert.ok(a.problems[0].fatal);
    assert.match(a.problems[0].message, /was cut short .* what was read so far is kept/);
    assert.equal(a.f.mode, 'stopped');
    a.f.read();
    assert.equal(a.problems.length, 1, 'reported once');

    fs.writeFileSync(file, header + '\n');
    const b = follow(file);
    b.f.start();
    const other = path.join(dir, 'other.jsonl');
    fs.writeFileSync(other, header + '\n');
    fs.renameSync(other, file);
    b.f.read();
    assert.match(b.problems[0]?.message ?? '', /was replaced by another file/);

    const c = follow(file);
    c.f.start();
    fs.unlinkSync(file);
    c.f.read();
    assert.match(c.problems[0]?.message ?? '', /was deleted/);
  });

  it('follows by file system notifications, and by polling at a stated interval where there are none', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-follow-'));
    const file = path.join(dir, 'record.jsonl');
    fs.writeFileSync(file, JSON.stringify({ t: 'run', runId: 'r1', planHash: 'h', config: 'c', name: 'n', mode: 'batch', backend: 'local', cells: 2, at: 1000 }) + '\n');
    const watched = follow(file, {});
    watched.f.start();
    assert.equal(watched.f.mode, 'watch');
    const polled = follow(file, { pollMs: 50, watch: () => { throw Object.assign(new Error('no notifications here'), { code: 'ENOSYS' }); } });
    polled.f.start();
    assert.equal(polled.f.mode, 'poll');
    assert.equal(polled.f.interval, 50);
    fs.appendFileSync(file, '{"t":"creating","i":1,"ms":3}\n');
    await waitFor(() => watched.lines.length === 2 && polled.lines.length === 2, 20_000, 'both to see the new line by themselves');
    watched.f.stop();
    polled.f.stop();
  });

  it('runs are noticed as they start, under a runs folder that does not exist yet: by notifications, or by polling where there are none', async () => {
    for (const poll of [false, true]) {
      const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-runs-'));
      const root = path.join(base, '.pq-orchestrator', 'runs', 'cfg');
      const seen: string[] = [];
      const w = new RunsWatcher((f) => seen.push(f), 50, poll ? () => { throw new Error('no notifications'); } : undefined);
      w.setRoots([root]);
      assert.equal(w.mode, poll ? 'poll' : 'watch');
      if (!poll) assert.deepEqual(w.watched, [base], 'the nearest folder that exists');
      const run = path.join(root, '20240101-000000-000-abcd');
      fs.mkdirSync(run, { recursive: true });
      fs.writeFileSync(path.join(run, 'record.jsonl'), '{"t":"run"}\n');
      await waitFor(() => seen.length > 0, 20_000, `the new record to be noticed (${poll ? 'polling' : 'notifications'})`);
      assert.equal(seen[0], path.join(run, 'record.jsonl'));
      // A change to it (a resume) is handed on again; nothing changed, nothing handed on.
      const n = seen.length;
      w.refresh();
      assert.equal(seen.length, n, 'unchanged: not handed on again');
      fs.appendFileSync(path.join(run, 'record.jsonl'), '{"t":"resume"}\n');
      await waitFor(() => seen.length > n, 20_000, 'the grown record to be handed on again');
      w.dispose();
    }
  });

  it('the record names its owner (pid, process start, host, what it is); gone once it ends; a reused pid is not the owner', async () => {
    const p = project(localConfig({ partitions: 1, end: '2024-01-01' }));
    const mark = path.join(p.dir, 'marks');
    const cli = startCli(['--config', p.config], { env: { SLEEP_S: '30', MARK_DIR: mark } });
    try {
      await waitFor(() => fs.existsSync(mark) && fs.readdirSync(mark).some((f) => f.endsWith('.pid')), 30_000, 'the worker to start');
      const rec = readRecord(onlyRun(p.config))!;
      assert.ok(rec.owner, 'the header names its owner');
      assert.equal(rec.owner.pid, cli.child.pid);
      assert.equal(rec.owner.via, 'cli');
      assert.equal(rec.owner.host, os.hostname());
      assert.equal(rec.owner.pidStart, processStartTime(cli.child.pid!));
      assert.equal(ownerLiveness(rec.owner), 'alive');
      assert.match(describeOwner(rec.owner), new RegExp(`^the CLI \\(pid ${cli.child.pid}\\)$`));
      assert.equal(ownerLiveness({ ...rec.owner, pidStart: '1' }), 'gone', 'the same pid, started at another time, is another process');
      assert.equal(ownerLiveness({ ...rec.owner, host: 'elsewhere.example' }), 'elsewhere');
    } finally {
      cli.child.kill('SIGKILL');
      await cli.done;
    }
    assert.equal(ownerLiveness(readRecord(onlyRun(p.config))!.owner!), 'gone');
  });

  it('a stop request in the run folder stops the CLI as Ctrl+C does: first graceful (exit 4, resumable), second forced', async () => {
    const p = project(localConfig({ partitions: 2, concurrency: 1, end: '2024-01-02' }));
    const mark = path.join(p.dir, 'marks');
    const cli = startCli(['--config', p.config], { env: { SLEEP_S: '3', MARK_DIR: mark } });
    await waitFor(() => fs.existsSync(mark) && fs.readdirSync(mark).some((f) => f.endsWith('.pid')), 30_000, 'the first worker to start');
    const dir = onlyRun(p.config);
    assert.equal(requestStop(dir, 'a test on another host'), 1);
    const r = await cli.done;
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /stop requested by a test on another host/);
    const rec = readRecord(dir)!;
    assert.ok(rec.lines.some((l) => l.t === 'stop' && l.stage === 'graceful'), 'the record says it was asked to stop');
    assert.equal(rec.ended?.summary.interrupted, 'graceful');
    assert.ok(rec.ended!.summary.notStarted > 0, 'cells left to resume');
    // Graceful: what was running finished (one cell runs at a time), nothing after it started.
    assert.ok(rec.ended!.summary.succeeded >= 1 && rec.ended!.summary.cancelled === 0, JSON.stringify(rec.ended!.summary));

    // Resumed: the old request does not stop it again; two new ones force it.
    const again = startCli(['--config', p.config, '--resume'], { env: { SLEEP_S: '30', MARK_DIR: mark } });
    await waitFor(() => fs.readdirSync(mark).filter((f) => f.endsWith('.pid')).length >= 2, 30_000, 'a resumed worker to start');
    assert.ok(fs.existsSync(path.join(dir, STOP_FILE)));
    requestStop(dir, 'the editor');
    requestStop(dir, 'the editor');
    const r2 = await again.done;
    assert.equal(r2.code, 4, r2.stderr);
    const rec2 = readRecord(dir)!;
    assert.ok(rec2.lines.some((l) => l.t === 'stop' && l.stage === 'forceful'), 'forced');
    assert.ok(rec2.ended!.summary.cancelled >= 1, 'the running cell was stopped, not waited for (30 s)');
  });
});
