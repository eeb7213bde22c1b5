import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfigFile } from '../../src/config/load';
import { invalidUtf8Offsets } from '../../src/config/utf8';
import { runCli } from '../helpers/cli';
import { analyze, BATCH_CONFIG, edit, lineCol, REPLAY_CONFIG, tempProject, underlined } from '../helpers/configs';

function errors(text: string, env?: Record<string, string>) {
  const r = analyze(text, env ? { env: { DH_PASSWORD: 'pw-1', ...env } } : {});
  return r.problems.filter((p) => p.severity === 'error');
}

describe('hostile configs', () => {
  describe('name reaches file paths and query names: a safe identifier only', () => {
    for (const bad of ['../../../../x', '/', '.hidden', 'a b', 'x/y', 'ü']) {
      it(`rejects name ${JSON.stringify(bad)} at its value`, () => {
        const text = edit(BATCH_CONFIG, 'name: "batchsim"', `name: ${JSON.stringify(bad)}`);
        const errs = errors(text);
        assert.equal(errs.length, 1, JSON.stringify(errs));
        assert.equal(underlined(text, errs[0]), JSON.stringify(bad));
        assert.equal(errs[0].message, `\`name\` may contain only letters, digits, \`_\`, \`-\` and \`.\`, and may not start with \`.\` (it becomes part of query names and file paths), got ${JSON.stringify(bad)}`);
      });
    }
    it('accepts letters, digits, _, - and . (not first), and ${VAR}', () => {
      for (const good of ['sim_1', 'a.b-c', 'A9', '${SIM}_x']) {
        assert.deepEqual(errors(edit(BATCH_CONFIG, 'name: "batchsim"', `name: "${good}"`), { SIM: 'ok' }), [], good);
      }
    });
    it('a name longer than 64 characters is a range error', () => {
      const text = edit(BATCH_CONFIG, 'name: "batchsim"', `name: "${'n'.repeat(65)}"`);
      const errs = errors(text);
      assert.equal(errs.length, 1);
      assert.equal(errs[0].message, '`name` must be at most 64 characters, got 65');
    });
    it('a name that expands through ${VAR} to a path is rejected at the value', () => {
      const text = edit(BATCH_CONFIG, 'name: "batchsim"', 'name: "${SIM}"');
      const errs = errors(text, { SIM: '../../etc' });
      assert.equal(errs.length, 1, JSON.stringify(errs));
      assert.equal(underlined(text, errs[0]), '"${SIM}"');
      assert.match(errs[0].message, /got "\.\.\/\.\.\/etc"/);
    });
  });

  describe('bytes that are not UTF-8', () => {
    it('finds each invalid sequence once', () => {
      assert.deepEqual(invalidUtf8Offsets(Buffer.from('abc')), []);
      assert.deepEqual(invalidUtf8Offsets(Buffer.from('héllo €', 'utf8')), []);
      assert.deepEqual(invalidUtf8Offsets(Buffer.from([0x61, 0xff, 0xfe, 0x62, 0xc3])), [1, 4]);
      assert.deepEqual(invalidUtf8Offsets(Buffer.from([0xed, 0xa0, 0x80])), [0], 'a UTF-16 surrogate is not UTF-8');
      assert.deepEqual(invalidUtf8Offsets(Buffer.from([0xc0, 0x80])), [0], 'an overlong form is not UTF-8');
    });

    it('an invalid byte in a value is an error at its line:col, not a silent replacement', () => {
      const dir = tempProject();
      const text = edit(BATCH_CONFIG, 'env: {}', 'env:\n  LABEL: "caf?"');
      const bytes = Buffer.from(text, 'utf8');
      const q = bytes.indexOf('?'.charCodeAt(0), bytes.indexOf('LABEL'));
      bytes[q] = 0xe9; // latin-1 é
      fs.writeFileSync(path.join(dir, 'config.yaml'), bytes);
      const r = loadConfigFile(path.join(dir, 'config.yaml'), { env: { DH_PASSWORD: 'x' } });
      assert.ok(!('readError' in r));
      assert.equal(r.config, undefined);
      const bad = r.problems.filter((p) => /not UTF-8/.test(p.message));
      assert.equal(bad.length, 1);
      assert.equal(bad[0].message, 'not UTF-8 text: byte 0xE9 cannot be decoded (save the file as UTF-8)');
      assert.equal(lineCol(r.text, bad[0].start), `${text.split('\n').findIndex((l) => l.includes('LABEL')) + 1}:14`);
    });

    it('a binary file: at most 50 problems and a count, no raw bytes on the terminal, exit 4', async () => {
      const dir = tempProject();
      const junk = Buffer.alloc(4000);
      for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) % 256;
      fs.writeFileSync(path.join(dir, 'config.yaml'), junk);
      const r = await runCli(['--config', path.join(dir, 'config.yaml')]);
      assert.equal(r.code, 4);
      const problemLines = r.stderr.split('\n').filter((l) => /  (error|warning)  /.test(l));
      assert.equal(problemLines.length, 50);
      assert.match(r.stderr, /\.\.\. and \d+ more problems/);
      assert.doesNotMatch(r.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, 'no control bytes echoed');
    });

    it('a config path that is a folder is a clear error', async () => {
      const dir = tempProject();
      const r = await runCli(['--config', dir]);
      assert.equal(r.code, 4);
      assert.match(r.stderr, /config path is a folder, not a file/);
    });
  });

  describe('values that would reach a process or the server broken', () => {
    it('a NUL in an env value is an error at the value, in dry runs too', async () => {
      const text = edit(BATCH_CONFIG, 'env: {}', 'env:\n  X: "a\\0b"');
      const errs = errors(text);
      assert.equal(errs.length, 1, JSON.stringify(errs));
      assert.equal(underlined(text, errs[0]), '"a\\0b"');
      assert.equal(errs[0].message, '`env.X` holds a NUL character, which no process or server accepts');
    });

    it('a line break or NUL arriving through ${VAR} is an error at the ${VAR}', async () => {
      const text = edit(BATCH_CONFIG, 'env: {}', 'env:\n  X: "pre-${MULTI}"');
      for (const [value, what] of [['a\nb', 'a line break'], ['a\u0000b', 'a NUL character']]) {
        const errs = errors(text, { MULTI: value });
        assert.equal(errs.length, 1, JSON.stringify(errs));
        assert.equal(underlined(text, errs[0]), '${MULTI}');
        assert.equal(errs[0].message, `environment variable MULTI holds ${what}; \`env.X\` must be one line of text`);
      }
      const dir = tempProject({ 'worker.py': '', 'config.yaml': text.replace('password: "${DH_PASSWORD}"', 'password: "x"') });
      const r = await runCli(['--config', path.join(dir, 'config.yaml'), '--dry-run'], { env: { MULTI: 'a\nb' } });
      assert.equal(r.code, 4, r.stdout + r.stderr);
      assert.match(r.stderr, /config\.yaml:\d+:\d+  error  environment variable MULTI holds a line break/);
      assert.doesNotMatch(r.stderr, /unexpected error|    at /);
    });

    it('a plan above 1,000,000 cells is refused before it is built', async () => {
      const text = edit(edit(edit(BATCH_CONFIG, 'num_partitions: 2', 'num_partitions: 1000'), 'start: "2024-01-01"', 'start: "1970-01-01"'), 'end: "2024-01-31"', 'end: "9999-12-31"');
      const errs = errors(text);
      assert.equal(errs.length, 1, JSON.stringify(errs));
      assert.match(errs[0].message, /^this plan has 2,094,927,000 queries \(2094927 dates × 1000 partitions\), more than the limit of 1,000,000 per run/);
      const dir = tempProject({ 'worker.py': '', 'config.yaml': text });
      const r = await runCli(['--config', path.join(dir, 'config.yaml'), '--dry-run'], { env: { DH_PASSWORD: 'x' } });
      assert.equal(r.code, 4);
    });

    it('year 0001 is a calendar date', () => {
      const text = edit(edit(BATCH_CONFIG, 'start: "2024-01-01"', 'start: "0001-01-01"'), 'end: "2024-01-31"', 'end: "0001-01-05"');
      const r = analyze(text, { env: { DH_PASSWORD: 'x' } });
      assert.deepEqual(r.problems.filter((p) => p.severity === 'error'), []);
      assert.equal(r.config?.dates.start, '0001-01-01');
    });
  });

  describe('replay workers that block their initialization', () => {
    const blocking = 'import time\nfrom deephaven.time import dh_now\nwhile dh_now() < close:\n    time.sleep(1)\n';
    it('warns at init_timeout_minutes when a top-level wait loop outlives it', () => {
      const dir = tempProject({ 'worker.py': blocking });
      // REPLAY_CONFIG: replay_start 09:30:00, speed 10, init_timeout_minutes 10 -> 39 min to 16:00.
      const r = analyze(REPLAY_CONFIG, { dir });
      const w = r.problems.filter((p) => p.severity === 'warning');
      assert.equal(w.length, 1, JSON.stringify(r.problems));
      assert.equal(underlined(REPLAY_CONFIG, w[0]), '10');
      assert.equal(lineCol(REPLAY_CONFIG, w[0].start), lineCol(REPLAY_CONFIG, REPLAY_CONFIG.indexOf('10', REPLAY_CONFIG.indexOf('init_timeout_minutes'))));
      assert.match(w[0].message, /^the worker script loops at top level \(line 3\) until the close, so its query stays Initializing for about 39\.0 min \(09:30:00 to 16:00:00 at replay_speed 10\), longer than init_timeout_minutes \(10\)/);
    });
    it('no warning when the timeout covers it, or the worker returns at once', () => {
      assert.deepEqual(analyze(edit(REPLAY_CONFIG, 'init_timeout_minutes: 10', 'init_timeout_minutes: 45'), { dir: tempProject({ 'worker.py': blocking }) }).problems, []);
      assert.deepEqual(analyze(REPLAY_CONFIG, { dir: tempProject({ 'worker.py': 'listen(clock, on_tick)\n' }) }).problems, []);
    });
  });
});
