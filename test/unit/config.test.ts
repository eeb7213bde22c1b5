import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { analyzeConfig } from '../../src/config/validate';
import { analyze, BATCH_CONFIG, edit, lineCol, REPLAY_CONFIG, tempProject, TEST_ENV, underlined } from '../helpers/configs';

function only(text: string, opts: Parameters<typeof analyze>[1] = {}) {
  const r = analyze(text, opts);
  const errors = r.problems.filter((p) => p.severity === 'error');
  assert.equal(errors.length, 1, `expected exactly one error, got:\n${r.problems.map((p) => `${p.message} @${underlined(text, p)}`).join('\n')}`);
  return { problem: errors[0], result: r };
}

describe('config validation', () => {
  it('accepts the replay and batch examples with defaults applied', () => {
    const r = analyze(REPLAY_CONFIG);
    assert.deepEqual(r.problems, []);
    assert.ok(r.config);
    assert.equal(r.config.mode, 'replay');
    assert.equal(r.config.backend, 'dhe');
    assert.equal(r.config.deephaven?.username, 'alice');
    assert.equal(r.config.deephaven?.password, 's3cret-pw');
    assert.deepEqual(r.config.secrets, ['s3cret-pw']);
    assert.equal(r.config.replay?.buffer_rows, 10000);
    const b = analyze(BATCH_CONFIG);
    assert.deepEqual(b.problems, []);
    assert.equal(b.config?.mode, 'batch');
    assert.equal(b.config?.execution.max_retries, 3);
    assert.equal(b.config?.execution.max_failures, 10);
    assert.equal(b.config?.execution.delete_successful_queries, true);
    assert.equal(b.config?.execution.delete_failed_queries, false);
    assert.equal(b.config?.execution.jvm_profile, 'Default');
    assert.equal(b.config?.execution.server_name, 'AutoQuery');
    assert.equal(b.config?.dates.weekdays_only, true);
    assert.equal(b.config?.local.python, 'python3');
  });

  it('applies the documented defaults when optional keys are omitted', () => {
    const text = edit(edit(REPLAY_CONFIG, '  init_timeout_minutes: 10\n', ''), '  sorted_replay: true\n', '');
    const r = analyze(text);
    assert.equal(r.config?.replay?.init_timeout_minutes, 1);
    assert.equal(r.config?.replay?.sorted_replay, true);
  });

  describe('range limits, each underlining the value', () => {
    const cases: [string, string, string, RegExp][] = [
      ['num_partitions: 2', 'num_partitions: 0', '0', /between 1 and 1000, got 0/],
      ['num_partitions: 2', 'num_partitions: 1001', '1001', /between 1 and 1000/],
      ['max_concurrent_sessions: 50', 'max_concurrent_sessions: 0', '0', /between 1 and 1000/],
      ['max_concurrent_sessions: 50', 'max_concurrent_sessions: 5000', '5000', /between 1 and 1000/],
      ['heap_size_gb: 4.0', 'heap_size_gb: 0', '0', /more than 0 and at most 512/],
      ['heap_size_gb: 4.0', 'heap_size_gb: 512.5', '512.5', /at most 512/],
      ['replay_speed: 10.0', 'replay_speed: 100.5', '100.5', /between 1 and 100/],
      ['replay_speed: 10.0', 'replay_speed: 0.5', '0.5', /between 1 and 100/],
      ['init_timeout_minutes: 10', 'init_timeout_minutes: 0', '0', /more than 0/],
      ['max_retries: 3', 'max_retries: -1', '-1', /at least 0/],
      ['max_failures: 10', 'max_failures: -2', '-2', /at least 0/],
      ['buffer_rows: 10000', 'buffer_rows: 0', '0', /more than 0/],
    ];
    for (const [from, to, value, message] of cases) {
      it(`${to}`, () => {
        const text = edit(REPLAY_CONFIG, from, to);
        const { problem } = only(text);
        assert.equal(problem.code, 'out-of-range');
        assert.equal(underlined(text, problem), value);
        assert.match(problem.message, message);
        assert.equal(lineCol(text, problem.start), lineCol(text, text.indexOf(to) + to.indexOf(value)));
      });
    }
    it('batch timeout_minutes must be more than 0 and at most 1439', () => {
      for (const bad of ['0', '1440']) {
        const text = edit(BATCH_CONFIG, 'timeout_minutes: 60', `timeout_minutes: ${bad}`);
        const { problem } = only(text);
        assert.equal(underlined(text, problem), bad);
        assert.deepEqual(problem.path, ['batch', 'timeout_minutes']);
      }
      assert.deepEqual(analyze(edit(BATCH_CONFIG, 'timeout_minutes: 60', 'timeout_minutes: 1439')).problems, []);
    });
  });

  it('rejects a fractional partition count as a type error on the value', () => {
    const text = edit(REPLAY_CONFIG, 'num_partitions: 2', 'num_partitions: 2.5');
    const { problem } = only(text);
    assert.equal(problem.code, 'invalid-type');
    assert.equal(underlined(text, problem), '2.5');
    assert.match(problem.message, /must be a whole number, got 2.5/);
  });

  it('underlines the parent key of a missing required key', () => {
    const text = edit(REPLAY_CONFIG, '  heap_size_gb: 4.0\n', '');
    const { problem } = only(text);
    assert.equal(problem.code, 'missing-key');
    assert.equal(underlined(text, problem), 'execution');
    assert.deepEqual(problem.path, ['execution', 'heap_size_gb']);
    assert.equal(problem.data?.key, 'heap_size_gb');
    assert.match(problem.message, /missing required key `heap_size_gb` in `execution`/);
  });

  it('lists every missing key of a section, two or three, none hiding another', () => {
    const two = edit(edit(REPLAY_CONFIG, '  heap_size_gb: 4.0\n', ''), '  script_language: "Python"\n', '');
    const a = analyze(two).problems.filter((p) => p.code === 'missing-key');
    assert.deepEqual(a.map((p) => p.data?.key).sort(), ['heap_size_gb', 'script_language']);
    for (const p of a) assert.equal(underlined(two, p), 'execution');
    const three = edit(two, '  num_partitions: 2\n', '');
    assert.deepEqual(analyze(three).problems.filter((p) => p.code === 'missing-key').map((p) => p.data?.key).sort(), ['heap_size_gb', 'num_partitions', 'script_language']);
  });

  it('lists every missing top-level key', () => {
    const text = REPLAY_CONFIG.replace(/^name: .*\n/m, '').replace(/^env:\n(  .*\n)*/m, '');
    const keys = analyze(text).problems.filter((p) => p.code === 'missing-key').map((p) => p.data?.key).sort();
    assert.deepEqual(keys, ['env', 'name']);
  });

  it('underlines an unknown key itself and suggests the near one', () => {
    const text = edit(REPLAY_CONFIG, 'max_retries: 3', 'max_retrys: 3');
    const { problem } = only(text);
    assert.equal(problem.code, 'unknown-key');
    assert.equal(underlined(text, problem), 'max_retrys');
    assert.match(problem.message, /did you mean `max_retries`/);
    assert.equal(problem.data?.suggestion, 'max_retries');
  });

  it('rejects unknown top-level sections', () => {
    const text = REPLAY_CONFIG + 'extras:\n  a: 1\n';
    const { problem } = only(text);
    assert.equal(underlined(text, problem), 'extras');
  });

  it('names the allowed values of an enum and suggests the nearest', () => {
    const text = edit(REPLAY_CONFIG, 'script_language: "Python"', 'script_language: "python"');
    const { problem } = only(text);
    assert.equal(problem.code, 'invalid-enum');
    assert.equal(underlined(text, problem), '"python"');
    assert.equal(problem.data?.suggestion, 'Python');
    assert.match(problem.message, /"Python", "Groovy"/);
    const t2 = edit(REPLAY_CONFIG, 'auth_method: "password"', 'auth_method: "kerberos"');
    assert.match(only(t2).problem.message, /"password", "private_key"/);
  });

  it('requires exactly one of replay and batch', () => {
    const both = REPLAY_CONFIG + 'batch:\n  timeout_minutes: 5\n';
    const r = analyze(both);
    const mode = r.problems.filter((p) => p.code === 'mode');
    assert.deepEqual(mode.map((p) => underlined(both, p)).sort(), ['batch', 'replay']);
    const neither = edit(BATCH_CONFIG, 'batch:\n  timeout_minutes: 60\n', '');
    const { problem } = only(neither);
    assert.match(problem.message, /add `replay:`.*or `batch:`/);
    assert.equal(underlined(neither, problem), 'name');
  });

  it('needs the credential of the chosen auth method', () => {
    const noPw = edit(BATCH_CONFIG, '  password: "${DH_PASSWORD}"\n', '');
    const { problem } = only(noPw);
    assert.equal(problem.code, 'missing-key');
    assert.equal(underlined(noPw, problem), 'deephaven');
    assert.match(problem.message, /`password`.*auth_method is "password"/);
    const emptyPw = edit(BATCH_CONFIG, 'password: "${DH_PASSWORD}"', 'password: ""');
    assert.equal(underlined(emptyPw, only(emptyPw).problem), '""');
    const key = edit(BATCH_CONFIG, 'auth_method: "password"', 'auth_method: "private_key"');
    const kp = only(key).problem;
    assert.match(kp.message, /`private_key_path`/);
    // The spec's own example leaves private_key_path empty under password auth: that is fine.
    assert.deepEqual(analyze(REPLAY_CONFIG).problems, []);
  });

  it('checks that the private key file exists, relative to the config folder', () => {
    const dir = tempProject({ 'worker.py': '', 'keys/priv-alice.base64.txt': 'x' });
    fs.chmodSync(path.join(dir, 'keys/priv-alice.base64.txt'), 0o600);
    const text = edit(edit(BATCH_CONFIG, 'auth_method: "password"', 'auth_method: "private_key"'), 'password: "${DH_PASSWORD}"', 'private_key_path: "keys/priv-alice.base64.txt"');
    assert.deepEqual(analyze(text, { dir }).problems, []);
    const missing = edit(text, 'keys/priv-alice', 'keys/priv-bob');
    const { problem } = only(missing, { dir });
    assert.equal(problem.code, 'file-not-found');
    assert.equal(underlined(missing, problem), '"keys/priv-bob.base64.txt"');
    assert.ok(problem.message.includes(path.join(dir, 'keys/priv-bob.base64.txt')));
  });

  it('warns when the private key file can be read by other users, naming the fix', () => {
    const dir = tempProject({ 'worker.py': '', 'keys/priv-alice.base64.txt': 'x' });
    const key = path.join(dir, 'keys/priv-alice.base64.txt');
    fs.chmodSync(key, 0o644);
    const text = edit(edit(BATCH_CONFIG, 'auth_method: "password"', 'auth_method: "private_key"'), 'password: "${DH_PASSWORD}"', 'private_key_path: "keys/priv-alice.base64.txt"');
    const r = analyze(text, { dir });
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].severity, 'warning');
    assert.equal(underlined(text, r.problems[0]), '"keys/priv-alice.base64.txt"');
    assert.equal(r.problems[0].message, `private key file ${key} can be read by other users (mode 644); restrict it with: chmod 600 ${key}`);
    assert.ok(r.config, 'a warning does not block the run');
  });

  it('checks that the worker script exists, relative to the config folder', () => {
    const text = edit(REPLAY_CONFIG, 'worker_script: "worker.py"', 'worker_script: "nope.py"');
    const dir = tempProject();
    const { problem } = only(text, { dir });
    assert.equal(problem.code, 'file-not-found');
    assert.equal(underlined(text, problem), '"nope.py"');
    assert.ok(problem.message.includes(path.join(dir, 'nope.py')));
  });

  describe('dates', () => {
    it('rejects a date that is not on the calendar', () => {
      const text = edit(REPLAY_CONFIG, 'start: "2024-01-15"', 'start: "2024-02-30"');
      const { problem } = only(text);
      assert.equal(problem.code, 'date');
      assert.equal(underlined(text, problem), '"2024-02-30"');
    });
    it('accepts 29 February in a leap year only', () => {
      const leap = edit(edit(REPLAY_CONFIG, 'start: "2024-01-15"', 'start: "2024-02-29"'), 'end: "2024-01-19"', 'end: "2024-02-29"');
      assert.deepEqual(analyze(leap).problems, []);
      const notLeap = edit(edit(REPLAY_CONFIG, 'start: "2024-01-15"', 'start: "2023-02-29"'), 'end: "2024-01-19"', 'end: "2023-03-01"');
      assert.equal(only(notLeap).problem.code, 'date');
    });
    it('rejects a wrong format with the expected one', () => {
      const text = edit(REPLAY_CONFIG, 'start: "2024-01-15"', 'start: "01/15/2024"');
      const { problem } = only(text);
      assert.match(problem.message, /YYYY-MM-DD/);
      assert.equal(underlined(text, problem), '"01/15/2024"');
    });
    it('rejects an end before the start, on the end', () => {
      const text = edit(REPLAY_CONFIG, 'end: "2024-01-19"', 'end: "2024-01-10"');
      const { problem } = only(text);
      assert.equal(underlined(text, problem), '"2024-01-10"');
      assert.match(problem.message, /before/);
    });
    it('rejects a weekend-only range with weekdays_only', () => {
      const text = edit(edit(REPLAY_CONFIG, 'start: "2024-01-15"', 'start: "2024-01-13"'), 'end: "2024-01-19"', 'end: "2024-01-14"');
      const { problem } = only(text);
      assert.equal(underlined(text, problem), 'dates');
      assert.match(problem.message, /no dates to run/);
    });
  });

  it('checks replay_start is HH:MM:SS', () => {
    for (const bad of ['"9:30"', '"24:00:00"', '"09:60:00"']) {
      const text = edit(REPLAY_CONFIG, 'replay_start: "09:30:00"', `replay_start: ${bad}`);
      const { problem } = only(text);
      assert.equal(underlined(text, problem), bad);
      assert.match(problem.message, /HH:MM:SS/);
    }
    // Unquoted is a plain string in YAML 1.2, and valid.
    assert.deepEqual(analyze(edit(REPLAY_CONFIG, 'replay_start: "09:30:00"', 'replay_start: 09:30:00')).problems, []);
  });

  it('checks timestamp column entries have exactly namespace, table and column', () => {
    const missing = edit(REPLAY_CONFIG, '      column: "EventTime"\n', '');
    const { problem } = only(missing);
    assert.equal(problem.code, 'missing-key');
    assert.deepEqual(problem.path, ['replay', 'replay_timestamp_columns', 0, 'column']);
    const extra = edit(REPLAY_CONFIG, '      column: "EventTime"\n', '      column: "EventTime"\n      zone: "UTC"\n');
    assert.equal(underlined(extra, only(extra).problem), 'zone');
  });

  describe('env', () => {
    it('must be a mapping, not null', () => {
      const text = edit(BATCH_CONFIG, 'env: {}', 'env:');
      const { problem } = only(text);
      assert.equal(problem.code, 'invalid-type');
      assert.match(problem.message, /env: \{\}/);
      assert.equal(underlined(text, problem), 'env');
    });
    it('must be present', () => {
      const text = edit(BATCH_CONFIG, 'env: {}\n', '');
      assert.match(only(text).problem.message, /missing required key `env`/);
    });
    it('may not redefine the variables the orchestrator sets', () => {
      const text = edit(BATCH_CONFIG, 'env: {}', 'env:\n  PARTITION_ID: "7"');
      const { problem } = only(text);
      assert.equal(problem.code, 'env-collision');
      assert.equal(underlined(text, problem), 'PARTITION_ID');
    });
    it('rejects variable names a shell could not carry', () => {
      const text = edit(BATCH_CONFIG, 'env: {}', 'env:\n  "1BAD": "x"');
      const { problem } = only(text);
      assert.equal(underlined(text, problem), '"1BAD"');
    });
    it('stringifies numbers and booleans', () => {
      const r = analyze(edit(BATCH_CONFIG, 'env: {}', 'env:\n  N: 5\n  F: true'));
      assert.deepEqual(r.config?.env, { N: '5', F: 'true' });
    });
  });

  describe('${VAR} references', () => {
    it('expands anywhere in a string value', () => {
      const text = edit(BATCH_CONFIG, 'env: {}', 'env:\n  OUT: "tbl_${USER_SUFFIX}_x"');
      const r = analyze(text, { env: { ...TEST_ENV, USER_SUFFIX: 'abc' } });
      assert.equal(r.config?.env.OUT, 'tbl_abc_x');
    });
    it('an unset one is an error when running, a warning while editing, underlined exactly', () => {
      const text = edit(BATCH_CONFIG, 'username: "alice"', 'username: "${DH_USER}"');
      const run = only(text);
      assert.equal(run.problem.code, 'unset-variable');
      assert.equal(underlined(text, run.problem), '${DH_USER}');
      const editing = analyze(text, { purpose: 'edit' });
      assert.equal(editing.problems.length, 1);
      assert.equal(editing.problems[0].severity, 'warning');
      assert.ok(editing.config, 'warnings do not block');
    });
    it('a variable the editor has a stored value for is not reported unset (the warning goes once it is stored)', () => {
      const text = edit(BATCH_CONFIG, 'username: "alice"', 'username: "${DH_USER}"');
      assert.equal(analyze(text, { purpose: 'edit' }).problems.length, 1);
      assert.deepEqual(analyze(text, { purpose: 'edit', stored: new Set(['DH_USER']) }).problems, []);
      assert.equal(analyze(text, { purpose: 'edit', stored: new Set(['OTHER']) }).problems.length, 1, 'only the stored one');
    });
    it('a malformed reference is an error', () => {
      const text = edit(BATCH_CONFIG, 'username: "alice"', 'username: "${not valid}"');
      assert.match(only(text).problem.message, /not a valid variable reference/);
    });
    it('deephaven references are not needed by local runs', () => {
      const text = edit(BATCH_CONFIG, 'name: "batchsim"', 'name: "batchsim"\nbackend: local');
      const r = analyze(text, { env: {} });
      assert.deepEqual(r.problems, []);
      assert.equal(r.config?.backend, 'local');
    });
    it('treats values from secret-looking variables as secrets', () => {
      const text = edit(BATCH_CONFIG, 'env: {}', 'env:\n  API_TOKEN: "tok-123456"\n  PLAIN: "${MY_SECRET}"');
      const r = analyze(text, { env: { ...TEST_ENV, MY_SECRET: 'hidden-value' } });
      assert.deepEqual([...(r.config?.secrets ?? [])].sort(), ['hidden-value', 's3cret-pw', 'tok-123456']);
    });
  });

  describe('YAML itself', () => {
    it('reports duplicate keys at the duplicate, naming the key and the first line', () => {
      const text = edit(BATCH_CONFIG, '  num_partitions: 2\n', '  num_partitions: 2\n  num_partitions: 3\n');
      const r = analyze(text);
      const dups = r.problems.filter((p) => /appears twice/.test(p.message));
      assert.equal(dups.length, 1);
      const firstLine = text.split('\n').findIndex((l) => l.includes('num_partitions: 2')) + 1;
      assert.equal(dups[0].message, `\`execution.num_partitions\` appears twice (first at line ${firstLine}); each key may appear once`);
      assert.deepEqual(dups[0].path, ['execution', 'num_partitions']);
      assert.equal(underlined(text, dups[0]), 'num_partitions');
      assert.equal(lineCol(text, dups[0].start), lineCol(text, text.indexOf('num_partitions: 3')));
    });
    it('an anchor reused 200 times is honest reuse; an alias bomb is refused by its expanded size', () => {
      const many = Array.from({ length: 200 }, (_, i) => `  K${i}: *v`).join('\n');
      const reuse = edit(BATCH_CONFIG, 'env: {}', `x-common: &v "shared"\nenv:\n${many}`).replace('x-common: &v "shared"\n', '');
      const withAnchor = edit(reuse, 'env:\n', 'env:\n  BASE: &v "shared"\n');
      const ok = analyze(withAnchor);
      assert.deepEqual(ok.problems.filter((p) => p.severity === 'error'), []);
      assert.equal(ok.config?.env.K199, 'shared');
      const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
      for (const c of 'bcdefghi') bomb.push(`${c}: &${c} [${Array(10).fill('*' + String.fromCharCode(c.charCodeAt(0) - 1)).join(',')}]`);
      const r = analyze(bomb.join('\n') + '\n');
      assert.equal(r.problems.length, 1, JSON.stringify(r.problems.map((p) => p.message)));
      assert.match(r.problems[0].message, /^YAML aliases expand this file to more than 1,000,000 values/);
    });
    it('reports tab indentation', () => {
      const text = edit(BATCH_CONFIG, '  num_partitions: 2', '\tnum_partitions: 2');
      const r = analyze(text);
      assert.ok(r.problems.some((p) => p.severity === 'error' && /tab/i.test(p.message)), JSON.stringify(r.problems));
      assert.equal(r.config, undefined);
    });
    it('reports bad indentation', () => {
      const text = edit(BATCH_CONFIG, '  num_partitions: 2', '     num_partitions: 2');
      const r = analyze(text);
      assert.ok(r.problems.some((p) => p.code === 'syntax'));
      assert.equal(r.config, undefined);
    });
    it('an empty file says what a config needs', () => {
      const r = analyze('');
      assert.equal(r.problems.length, 1);
      assert.match(r.problems[0].message, /empty/);
    });
  });

  it('warns on a very large plan without blocking it', () => {
    const text = edit(edit(BATCH_CONFIG, 'num_partitions: 2', 'num_partitions: 1000'), 'end: "2024-01-31"', 'end: "2024-12-31"');
    const r = analyze(text);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].severity, 'warning');
    assert.match(r.problems[0].message, /262,000 queries/);
    assert.ok(r.config);
  });

  it('reports every problem at once', () => {
    let text = edit(REPLAY_CONFIG, 'num_partitions: 2', 'num_partitions: 0');
    text = edit(text, 'replay_speed: 10.0', 'replay_speed: 500');
    text = edit(text, 'max_retries: 3', 'max_retry: 3');
    text = edit(text, 'start: "2024-01-15"', 'start: "2024-13-01"');
    const r = analyze(text);
    assert.equal(r.problems.filter((p) => p.severity === 'error').length, 4);
  });

  it('the dhe backend needs a deephaven section', () => {
    const text = edit(BATCH_CONFIG, /deephaven:[\s\S]*?execution:/.exec(BATCH_CONFIG)![0], 'execution:');
    assert.equal(analyze(text).backend, 'local');
    const r = analyze(text, { backend: 'dhe' });
    assert.ok(r.problems.some((p) => p.code === 'backend'));
    const explicit = 'backend: dhe\n' + text;
    assert.ok(analyze(explicit).problems.some((p) => p.code === 'backend'));
  });

  it('the local backend refuses Groovy workers up front', () => {
    const text = edit(edit(BATCH_CONFIG, 'script_language: "Python"', 'script_language: "Groovy"'), 'name: "batchsim"', 'name: "batchsim"\nbackend: local');
    const { problem } = only(text);
    assert.equal(problem.code, 'backend');
    assert.equal(underlined(text, problem), '"Groovy"');
  });

  describe('never throws', () => {
    const dir = tempProject();
    const file = path.join(dir, 'config.yaml');
    const check = (text: string) => {
      const r = analyzeConfig(text, { file, env: TEST_ENV, purpose: 'edit' });
      for (const p of r.problems) {
        assert.ok(p.start >= 0 && p.start <= p.end && p.end <= text.length, `range ${p.start}-${p.end} outside text of ${text.length}`);
        assert.ok(p.message.length > 0);
      }
      if (r.problems.some((p) => p.severity === 'error')) assert.equal(r.config, undefined);
    };
    it('on random mutations of valid configs', () => {
      const base = [REPLAY_CONFIG, BATCH_CONFIG];
      const alphabet = [' ', '\t', '\n', ':', '-', '"', "'", '{', '}', '[', ']', '#', '&', '*', '!', '|', '>', '%', '@', '`', '$', '0', 'a', '\u00e9', '\u0000'];
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 1 }),
          fc.array(fc.tuple(fc.nat(), fc.nat({ max: 12 }), fc.array(fc.constantFrom(...alphabet), { maxLength: 6 }).map((a) => a.join(''))), { minLength: 1, maxLength: 6 }),
          (which, edits) => {
            let text = base[which];
            for (const [at, del, ins] of edits) {
              const i = at % (text.length + 1);
              text = text.slice(0, i) + ins + text.slice(i + del);
            }
            check(text);
          },
        ),
        { numRuns: 600 },
      );
    });
    it('on line-level shuffles and truncations', () => {
      fc.assert(
        fc.property(fc.shuffledSubarray(REPLAY_CONFIG.split('\n')), fc.nat(), (lines, cut) => {
          const text = lines.join('\n');
          check(text.slice(0, cut % (text.length + 1)));
        }),
        { numRuns: 300 },
      );
    });
    it('on a YAML error reported twice, once as a warning (found by the property below)', () => {
      const r = analyzeConfig('!<"!', { file, env: TEST_ENV, purpose: 'edit' });
      assert.equal(r.config, undefined);
      assert.ok(r.problems.some((p) => p.severity === 'error' && p.code === 'syntax'), JSON.stringify(r.problems));
    });
    it('on arbitrary text', () => {
      fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => check(s)), { numRuns: 1000 });
    });
  });

  it('reads only the files it is told exist (the editor passes unsaved state)', () => {
    const dir = tempProject({});
    const r = analyzeConfig(BATCH_CONFIG, { file: path.join(dir, 'c.yaml'), env: TEST_ENV, isFile: (p) => p.endsWith('worker.py') });
    assert.deepEqual(r.problems, []);
    assert.ok(!fs.existsSync(path.join(dir, 'worker.py')));
  });
});

describe('which files are configs, and a misspelt section', () => {
  it('a config whose section name has a typo is still a config, and the typo is its first problem, with the fix', async () => {
    const { looksLikeConfig } = await import('../../src/config/recognize');
    const typo = BATCH_CONFIG.replace('execution:', 'executon:');
    assert.ok(looksLikeConfig(typo), 'validated, not silently skipped');
    const r = analyze(typo);
    assert.match(r.problems[0].message, /unknown key `executon`; did you mean `execution`\?/);
    assert.equal(r.problems[0].data?.suggestion, 'execution');
    assert.ok(!r.problems.some((p) => /missing required key `execution`/.test(p.message)), 'the typo explains the missing section');
    assert.ok(looksLikeConfig(BATCH_CONFIG));
    assert.ok(looksLikeConfig(REPLAY_CONFIG));
    assert.ok(looksLikeConfig('name: "x"\ndeephaven:\n  connection_url: "https://h"\n'), 'a name and one of our sections');
    assert.ok(!looksLikeConfig('server:\n  port: 8080\n'), 'another tool\'s config.yaml');
    assert.ok(!looksLikeConfig('name: build\nenv:\n  A: 1\njobs:\n  x: {}\n'), 'a name with only env is not enough (a CI workflow)');
    assert.ok(!looksLikeConfig('name: x\npages: 3\n'), 'no section nor a near miss');
    assert.ok(looksLikeConfig('name: x\ndate:\n  start: "2024-01-01"\n'), 'one letter off a short section name');
  });
});

describe('the schema explains every allowed value', () => {
  it('each enum has a description per value (completion shows them)', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'schemas', 'config.schema.json'), 'utf8')) as unknown;
    const missing: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (Array.isArray(n.enum) && (!Array.isArray(n.enumDescriptions) || n.enumDescriptions.length !== n.enum.length)) missing.push(where);
      for (const [k, v] of Object.entries(n)) walk(v, `${where}/${k}`);
    };
    walk(schema, '');
    assert.deepEqual(missing, []);
  });
});
