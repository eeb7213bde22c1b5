import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runsRoot } from '../../src/record/record';
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
