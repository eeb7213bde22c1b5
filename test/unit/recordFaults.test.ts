import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runsRoot } from '../../src/record/runs';
import { tempProject } from '../helpers/configs';
import { CLI, localConfig, runCli, TEST_WORKER, type CliResult } from '../helpers/cli';

function project(config: string): { dir: string; config: string } {
  const dir = tempProject({ 'worker.py': TEST_WORKER, 'config.yaml': config });
  return { dir, config: path.join(dir, 'config.yaml') };
}

const recordOf = (config: string) => {
  const root = runsRoot(config, 'clitest');
  return path.join(root, fs.readdirSync(root).filter((d) => !d.startsWith('.'))[0], 'record.jsonl');
};

/** Every line of a record parses, but for a torn one the test names. */
function unparsable(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').filter((l) => {
    try {
      JSON.parse(l);
      return false;
    } catch {
      return true;
    }
  });
}

/** The CLI under a shell's file-size limit (KB), as `ulimit -f` sets it for a user. */
function runLimited(kb: number, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `ulimit -f ${kb}; exec "$0" "$@"`, process.execPath, CLI, ...args], { env: { ...process.env, PQO_WORKER_PASS_ENV: 'MARK_DIR', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the run record when the disk misbehaves', function () {
  this.timeout(120_000);

  it('a torn last line (kill -9 mid-write): --resume continues on a fresh line, warns once, and the record reads back whole', async () => {
    const p = project(localConfig({ partitions: 2, end: '2024-01-02' }));
    const mark = path.join(p.dir, 'marks');
    assert.equal((await runCli(['--config', p.config], { env: { MARK_DIR: mark } })).code, 0);
    const record = recordOf(p.config);
    const kept = fs.readFileSync(record, 'utf8').split('\n').filter((l) => /"t":"(run|creating|created)"/.test(l));
    const torn = '{"t":"finished","i":3,"o":"succ';
    fs.writeFileSync(record, kept.join('\n') + '\n' + torn);
    const r = await runCli(['--config', p.config, '--resume'], { env: { MARK_DIR: mark } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stderr.match(/ended in a torn line/g) ?? []).length, 1, r.stderr);
    const lines = fs.readFileSync(record, 'utf8').split('\n');
    const at = lines.indexOf(torn);
    assert.ok(at > 0, 'the torn line stands alone');
    assert.match(lines[at + 1], /^\{"t":"resume"/, 'the resumed run starts on its own line');
    assert.deepEqual(unparsable(record), [torn], 'every other line reads');
    const again = await runCli(['--config', p.config, '--resume']);
    assert.match(again.stderr, /already finished/, 'the record reads back as the finished run it is');
  });

  it('a file-size limit mid-run: one clear line, exit 4, no stack trace, a record of whole lines, and --resume runs each cell once in all', async () => {
    // 40 cells of about 90 record bytes each: a 4 KB limit is reached part-way.
    const p = project(localConfig({ partitions: 10, end: '2024-01-04', concurrency: 4 }));
    const mark = path.join(p.dir, 'marks');
    const r = await runLimited(4, ['--config', p.config], { MARK_DIR: mark });
    assert.equal(r.code, 4, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => /cannot write the run record/.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /record\.jsonl: the file-size limit was reached \(EFBIG\)/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    const record = recordOf(p.config);
    assert.deepEqual(unparsable(record), [], 'whole lines only');
    const resumed = await runCli(['--config', p.config, '--resume'], { env: { MARK_DIR: mark } });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /succeeded\s+40/);
    const runs = fs.readdirSync(mark).filter((f) => f.endsWith('.pid')).map((f) => f.split('.')[0]);
    assert.equal(runs.length, 40, `${runs.length} executions for 40 cells`);
    assert.equal(new Set(runs).size, 40);
  });
});

describe('secrets are masked where free text enters, never by rewriting what was serialised', function () {
  this.timeout(60_000);

  it('secret values "false" and "100": every --json line, record line and the report\'s data still parse; the worker\'s text is masked', async () => {
    const worker = 'import os, sys\ncell = os.environ["SIMULATION_DATE"] + "/" + os.environ["PARTITION_ID"]\nif cell == "2024-01-02/1":\n    raise RuntimeError("token limit is 100 and auth is false")\nprint("ok")\n';
    const dir = tempProject({ 'worker.py': worker, 'config.yaml': localConfig({ partitions: 2, end: '2024-01-02', env: '  AUTH_ENABLED: "false"\n  TOKEN_LIMIT: "100"' }) });
    const config = path.join(dir, 'config.yaml');
    const report = path.join(dir, 'report.html');
    const r = await runCli(['--config', config, '--json', '--report', report]);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const bad = lines.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    assert.deepEqual(bad, [], `${bad.length} of ${lines.length} --json lines do not parse`);
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(events.some((e) => e.type === 'cell-created' && e.adopted === false), 'structured fields keep their values');
    const failed = events.find((e) => e.type === 'cell-finished' && e.outcome === 'failed')!;
    assert.match(String(failed.detail), /token limit is \*+ and auth is \*+/, 'the worker\'s free text is masked');
    assert.deepEqual(unparsable(recordOf(config)), [], 'every record line parses');
    const rerun = await runCli(['--config', config, '--rerun-failed']);
    assert.match(rerun.stderr, /rerunning 1 failed cell/, 'the record reads back: exactly the failed cell is rerun');
    const html = fs.readFileSync(report, 'utf8');
    const data = /<script type="application\/json" id="pqo-data">(.*?)<\/script>/s.exec(html)![1];
    const grid = JSON.parse(data) as { summary: string };
    assert.match(grid.summary, /failed\s+1/);
    assert.doesNotMatch(html, /\*\*\*\*\*\*\s*[,}]/, 'no masked JSON value in the page');
  });
});
