import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRecord } from '../../src/record/reader';
import { latestRun, newRunId, runsRoot } from '../../src/record/runs';
import { RecordWriter } from '../../src/record/writer';
import { localConfig, runCli, TEST_WORKER } from '../helpers/cli';
import { tempProject } from '../helpers/configs';

describe('run records', () => {
  it('run ids sort in the order they were made, within one second and one millisecond too', () => {
    const t = new Date('2026-11-28T23:19:33.100Z');
    const ids = [newRunId(t), newRunId(t), newRunId(new Date(t.getTime() + 1)), newRunId(new Date(t.getTime() + 900)), newRunId(new Date(t.getTime() + 1000))];
    assert.deepEqual([...ids].sort(), ids);
    assert.match(ids[0], /^20261128-231933-100-[a-z0-9]+$/);
  });

  it('the latest run is the one made last, even in the same second', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-rec-'));
    const t = new Date();
    for (const [i, id] of [newRunId(t), newRunId(new Date(t.getTime() + 5))].entries()) {
      const w = new RecordWriter(path.join(root, id), []);
      w.append({ t: 'run', runId: id, planHash: 'h', config: 'c', name: `run${i}`, mode: 'batch', backend: 'local', cells: 1, at: i });
      w.close();
    }
    assert.equal(latestRun(root)?.header.name, 'run1');
  });

  it('writes lean cell lines (time after the header, attempt 1 and known serials left out) that read back whole', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-rec-'));
    const w = new RecordWriter(dir, []);
    const t0 = 1_795_949_620_000;
    w.append({ t: 'run', runId: 'r', planHash: 'h', config: 'c', name: 'n', mode: 'batch', backend: 'dhe', cells: 2, at: t0 });
    const cellLines = [
      { t: 'creating', i: 123456, a: 1, at: t0 + 5 },
      { t: 'created', i: 123456, a: 1, s: '1764369620123', at: t0 + 20 },
      { t: 'finished', i: 123456, a: 1, o: 'succeeded', s: '1764369620123', at: t0 + 320 },
      { t: 'deleted', i: 123456, s: '1764369620123', at: t0 + 321 },
      { t: 'creating', i: 7, a: 2, at: t0 + 400 },
      { t: 'created', i: 7, a: 2, s: '99', at: t0 + 410 },
      { t: 'finished', i: 7, a: 2, o: 'failed', k: 'execution', s: '99', d: 'boom', at: t0 + 900 },
    ] as const;
    for (const l of cellLines) w.append(l);
    w.close();
    const written = fs.readFileSync(path.join(dir, 'record.jsonl'), 'utf8').trim().split('\n').slice(1);
    const perCell = written.slice(0, 4).join('\n').length + 4;
    assert.ok(perCell <= 200, `a cell's four lines take ${perCell} bytes`);
    assert.equal(written[3], '{"t":"deleted","i":123456,"ms":321}');
    assert.ok(written[6].includes('"s":"99"') && written[6].includes('"a":2'), 'a failure keeps its serial, a second attempt its number');
    const rec = readRecord(dir)!;
    assert.deepEqual(rec.lines.map((l) => (({ ms: _ms, ...rest }) => rest)(l as typeof l & { ms?: number })), cellLines.map((l) => (l.t === 'finished' && l.o === 'succeeded') || l.t === 'deleted' ? (({ s: _s, ...rest }) => rest)(l) : { ...l }));
  });

  it('a torn last line is skipped, the rest read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-rec-'));
    const w = new RecordWriter(dir, ['s3cret']);
    w.append({ t: 'run', runId: 'r', planHash: 'h', config: 'c', name: 'n', mode: 'batch', backend: 'local', cells: 2, at: 0 });
    w.append({ t: 'finished', i: 0, a: 1, o: 'failed', k: 'execution', d: 'password s3cret leaked by a worker', at: 1 });
    w.close();
    fs.appendFileSync(path.join(dir, 'record.jsonl'), '{"t":"finished","i":1,"a":1,"o":"succ');
    const text = fs.readFileSync(path.join(dir, 'record.jsonl'), 'utf8');
    assert.ok(!text.includes('s3cret'), 'secrets are masked in the record');
    const rec = readRecord(dir);
    assert.deepEqual(rec?.lines.map((l) => [l.t, 'i' in l ? l.i : -1, l.t === 'finished' ? l.o : '']), [['finished', 0, 'failed']], 'the torn line about cell 1 is skipped');
  });

  it('a serial read back that would climb out of the logs folder is refused: the line is skipped and no log outside is found', async () => {
    const { logFinder } = await import('../../src/extension/runs/history');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-serial-'));
    const runDir = path.join(dir, 'run');
    fs.mkdirSync(path.join(runDir, 'logs'), { recursive: true });
    // The decoy: a file of the basename the crafted serial ends in, inside logs/ and outside the run.
    fs.writeFileSync(path.join(runDir, 'logs', 'x.log'), 'decoy inside');
    fs.writeFileSync(path.join(dir, 'x.log'), 'secret outside');
    const header = { t: 'run', runId: 'r', planHash: 'h', config: 'c', name: 'n', mode: 'batch', backend: 'local', cells: 2, at: 1 };
    fs.writeFileSync(path.join(runDir, 'record.jsonl'), [header, { t: 'created', i: 0, s: 'a/../../x', ms: 1 }, { t: 'created', i: 1, s: 'L1-2', ms: 2 }].map((l) => JSON.stringify(l)).join('\n') + '\n');
    const rec = readRecord(runDir)!;
    assert.deepEqual(rec.lines.map((l) => ('s' in l ? l.s : '')), ['L1-2'], 'only the real serial is read');
    assert.match(rec.warnings.join('\n'), /record\.jsonl:2: serial "a\/\.\.\/\.\.\/x" is not a serial/);
    const find = logFinder(runDir);
    assert.equal(find('pq_batch_n_20240101_0', 'a/../../x'), undefined, 'never a path outside logs/');
    assert.equal(find('pq_batch_n_20240101_0/../../../x', 'L1-2'), undefined);
  });

  describe('damaged records never crash or mislead', () => {
    function runWithFailure(): { dir: string; config: string; record: string } {
      const dir = tempProject({ 'worker.py': TEST_WORKER, 'config.yaml': localConfig({ partitions: 2, end: '2024-01-02' }) });
      return { dir, config: path.join(dir, 'config.yaml'), record: '' };
    }
    async function firstRun(p: { config: string }): Promise<string> {
      const r = await runCli(['--config', p.config], { env: { FAIL_CELLS: '2024-01-01/1' } });
      assert.equal(r.code, 2, r.stderr);
      const root = runsRoot(p.config, 'clitest');
      return path.join(root, fs.readdirSync(root).filter((f) => !f.startsWith('run.lock')).sort().reverse()[0], 'record.jsonl');
    }

    it('a null line, an out-of-range cell and a string cell index are skipped with warnings naming their lines', async () => {
      const p = runWithFailure();
      const record = await firstRun(p);
      const n = fs.readFileSync(record, 'utf8').trimEnd().split('\n').length;
      fs.appendFileSync(record, 'null\n{"t":"finished","i":99999,"a":1,"o":"failed","at":1}\n{"t":"creating","i":"0","a":1,"at":1}\n');
      const r = await runCli(['--config', p.config, '--rerun-failed']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`record\\.jsonl:${n + 1}: not a JSON object; line skipped`));
      assert.match(r.stderr, /the plan has 4 cells; ignored/);
      assert.match(r.stderr, new RegExp(`record\\.jsonl:${n + 3}: cell index "0" is not a whole number ≥ 0; line skipped`));
      assert.match(r.stderr, /rerunning 1 failed cell of run/);
      assert.match(r.stderr, /succeeded\s+1/);
      assert.doesNotMatch(r.stderr, /TypeError|unexpected error/);
    });

    it('a garbled header of the newest run: --rerun-failed and --resume refuse it rather than take an older run', async () => {
      const p = runWithFailure();
      await firstRun(p);
      const newest = await firstRun(p);
      const lines = fs.readFileSync(newest, 'utf8').split('\n');
      lines[0] = lines[0].slice(0, 20) + '#garbled';
      fs.writeFileSync(newest, lines.join('\n'));
      for (const flag of ['--rerun-failed', '--resume']) {
        const r = await runCli(['--config', p.config, flag]);
        assert.equal(r.code, 4, r.stderr);
        assert.match(r.stderr, /has no valid run header \(its first line is damaged\); nothing was started/);
      }
    });

    it('a newest "run" that is a file, not a folder, is refused the same way', async () => {
      const p = runWithFailure();
      await firstRun(p);
      fs.writeFileSync(path.join(runsRoot(p.config, 'clitest'), '99999999-999999-999-zzzz'), 'x');
      const r = await runCli(['--config', p.config, '--rerun-failed']);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /should be a run folder but is not a folder/);
    });
  });
});

describe('run lock under a race', () => {
  it('a run that looks while another is writing the lock is told who holds it, never that it is unreadable', async () => {
    // Deterministic race: at the moment the first run writes its lock, a second run tries to take it.
    const { acquireRunLock } = await import('../../src/record/lock');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-lock-race-'));
    const results: string[] = [];
    const real = { writeSync: fs.writeSync, writeFileSync: fs.writeFileSync };
    let competing = false;
    const compete = () => {
      if (competing) return;
      competing = true;
      const r = acquireRunLock(root, 'second');
      results.push(r.ok ? 'second won' : r.message);
      if (r.ok) r.lock.release = () => undefined; // keep it held while the first looks
    };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mutable = require('node:fs') as Record<string, unknown>; // the module itself: the import above is a read-only view
    mutable.writeSync = (...a: unknown[]) => (compete(), (real.writeSync as (...x: unknown[]) => unknown)(...a));
    mutable.writeFileSync = (...a: unknown[]) => (compete(), (real.writeFileSync as (...x: unknown[]) => unknown)(...a));
    try {
      const first = acquireRunLock(root, 'first');
      results.push(first.ok ? 'first won' : first.message);
      if (first.ok) first.lock.release();
    } finally {
      mutable.writeSync = real.writeSync;
      mutable.writeFileSync = real.writeFileSync;
    }
    assert.equal(results.filter((r) => r.endsWith('won')).length, 1, results.join(' | '));
    for (const r of results.filter((x) => !x.endsWith('won'))) assert.match(r, /is still running/, r);
  });
});
