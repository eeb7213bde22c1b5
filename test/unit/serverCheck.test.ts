import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, UsageError } from '../../src/cli/args';
import { compareProbe, parseProbeReport, probeScript, probeSpec, probeSpecs, secretDigest } from '../../src/controllers/dhe/probe';
import { buildPlan, cellEnv } from '../../src/plan/plan';
import { analyze, REPLAY_CONFIG } from '../helpers/configs';

describe('--check-server pieces', () => {
  /** Runs a probe script under plain Python with stand-ins for jpy and deephaven.time (a replay clock at 09:30, 10×). */
  const runPython = (script: string, env: Record<string, string>): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-probe-'));
    fs.writeFileSync(
      path.join(dir, 'jpy.py'),
      'class _Props(dict):\n  def getProperty(self, k): return self.get(k)\n  def stringPropertyNames(self): return self\n  def toArray(self): return list(self.keys())\n' +
        'class _System:\n  @staticmethod\n  def getProperties(): return _Props({"ReplayDatabase.BufferSize": "5000", "java.version": "17"})\n' +
        'def get_type(name): return _System\n',
    );
    fs.mkdirSync(path.join(dir, 'deephaven'));
    fs.writeFileSync(path.join(dir, 'deephaven', '__init__.py'), '');
    fs.writeFileSync(
      path.join(dir, 'deephaven', 'time.py'),
      'import time\n_t0 = time.monotonic()\n' +
        'class _Instant:\n  def __init__(self, ms): self.ms = ms\n  def toEpochMilli(self): return self.ms\n  def atZone(self, z): return self\n  def toLocalTime(self): return "09:30:%06.3f" % ((self.ms - 1704205800000) / 1000)\n' +
        'def dh_now(): return _Instant(1704205800000 + int((time.monotonic() - _t0) * 10000))\n' +
        'def dh_today(): return "2024-01-02"\ndef dh_time_zone(): return "America/New_York"\n',
    );
    fs.writeFileSync(path.join(dir, 'probe.py'), script);
    try {
      execFileSync('python3', [path.join(dir, 'probe.py')], { env: { PATH: process.env.PATH, PYTHONPATH: dir, ...env }, stdio: 'pipe' });
      assert.fail('the probe must raise');
    } catch (e) {
      return String((e as { stderr?: Buffer }).stderr ?? '');
    }
  };

  it('the Python probe is valid Python and reports the environment through its exception message; a secret only as a digest', () => {
    const ask = { names: ['SIMULATION_DATE', 'OUTPUT_TABLE', 'DB_PASSWORD'], secret: ['DB_PASSWORD'], nonce: '0123abcd', replay: false };
    const script = probeScript('Python', ask);
    assert.ok(!script.includes('hunter2-pw'));
    const trace = runPython(script, { SIMULATION_DATE: '2024-01-02', OUTPUT_TABLE: 'a, "b"', DB_PASSWORD: 'hunter2-pw' });
    assert.match(trace, /RuntimeError: PQO_CHECK_BEGIN/);
    assert.ok(!trace.includes('hunter2-pw'), 'the value the server would keep in its logs is not the secret');
    const seen = parseProbeReport(trace);
    assert.deepEqual(seen, { env: { SIMULATION_DATE: '2024-01-02', OUTPUT_TABLE: 'a, "b"', DB_PASSWORD: secretDigest('0123abcd', 'hunter2-pw') }, props: { 'ReplayDatabase.BufferSize': '5000' } });
  });

  it('the replay probe reads the replay clock: its date, time of day and speed, compared with what was sent', function () {
    this.timeout(20_000);
    const r = analyze(REPLAY_CONFIG);
    assert.ok(r.config);
    const plan = buildPlan(r.config, 'print(1)\n');
    const probes = probeSpecs(plan, new Date(Date.UTC(2026, 10, 29, 8, 5, 9)), 'feedbeef');
    assert.deepEqual(probes.map((p) => p.spec.type), ['RunAndDone', 'ReplayScript']);
    const { spec, ask } = probes[1];
    assert.equal(spec.name, `pq_check_${plan.name}_20261129_080509_replay`);
    assert.deepEqual(Object.keys(spec.typeSpecificFields).sort(), ['ReplayDate', 'ReplaySorted', 'ReplaySpeed', 'ReplayStart']);
    // What this config sends is compared against a clock at 2024-01-02 09:30, running 10× (the stand-in; its JVM
    // properties are not this config's, so none is expected here).
    const sent = { ...spec, jvmArgs: [], typeSpecificFields: { ...spec.typeSpecificFields, ReplayDate: { type: 'string', value: '2024-01-02' }, ReplayStart: { type: 'string', value: '09:30:00' }, ReplaySpeed: { type: 'string', value: '10' } } };
    const env = Object.fromEntries(Object.entries(spec.envVars).map(([k, v]) => [k, String(v)]));
    const seen = parseProbeReport(runPython(spec.scriptCode, env))!;
    assert.equal(seen.clock?.today, '2024-01-02');
    assert.ok(Math.abs(seen.clock!.speed - 10) < 2.5, `measured ${seen.clock!.speed}`);
    const good = compareProbe(sent, ask, seen);
    assert.deepEqual(good.mismatches, []);
    assert.ok(good.lines.some((l) => /ok\s+date 2024-01-02/.test(l)) && good.lines.some((l) => /ok\s+speed \d+\.\d\d×/.test(l)));
    const wrong = { ...sent, typeSpecificFields: { ...sent.typeSpecificFields, ReplayDate: { type: 'string', value: '2024-03-15' }, ReplayStart: { type: 'string', value: '13:00:00' }, ReplaySpeed: { type: 'string', value: '1' } } };
    const bad = compareProbe(wrong, ask, seen).mismatches;
    assert.equal(bad.length, 3, bad.join('\n'));
    assert.match(bad[0], /replay date: the worker's clock says 2024-01-02, the orchestrator sent ReplayDate 2024-03-15/);
    assert.match(bad[1], /replay start: .* the orchestrator sent ReplayStart 13:00:00/);
    assert.match(bad[2], /replay speed: the worker's clock ran at \d+\.\d\d×, the orchestrator sent ReplaySpeed 1/);
  });

  it('the Groovy probe asks for the same; a trace without a report gives undefined', () => {
    const script = probeScript('Groovy', { names: ['A', 'B'], secret: ['B'], nonce: 'ab', replay: true });
    assert.match(script, /parseText\('\{"names":\["A","B"\],"secret":\["B"\],"nonce":"ab","replay":true\}'\)/);
    assert.match(script, /MessageDigest\.getInstance\("SHA-256"\)/);
    assert.match(script, /DateTimeUtils\.now\(\)/);
    assert.equal(parseProbeReport('java.lang.RuntimeException: boom'), undefined);
    assert.equal(parseProbeReport('PQO_CHECK_BEGIN{not json PQO_CHECK_END'), undefined);
  });

  it('the probe query: a short RunAndDone with the first cell\'s environment and JVM arguments', () => {
    const r = analyze(REPLAY_CONFIG);
    assert.ok(r.config);
    const plan = buildPlan(r.config, 'print(1)\n');
    const spec = probeSpec(plan, new Date(Date.UTC(2026, 10, 29, 8, 5, 9)));
    assert.equal(spec.name, `pq_check_${plan.name}_20261129_080509`);
    assert.equal(spec.type, 'RunAndDone');
    assert.deepEqual(spec.typeSpecificFields, {});
    assert.match(spec.scheduling[0], /IrisQuerySchedulerRange$/);
    const env = cellEnv(plan, plan.cells[0]);
    assert.deepEqual(Object.keys(spec.envVars), Object.keys(env));
    assert.equal(spec.envVars.QUERY_NAME, spec.name);
    assert.ok(spec.jvmArgs.length > 0, 'replay JVM arguments kept, so the probe sees them');
  });

  it('arguments: --no-probe-query only with --check-server; --check-server runs alone', () => {
    assert.equal(parseArgs(['--config', 'c.yaml', '--check-server']).checkServer, true);
    assert.equal(parseArgs(['--config', 'c.yaml', '--check-server', '--no-probe-query']).probeQuery, false);
    assert.throws(() => parseArgs(['--config', 'c.yaml', '--no-probe-query']), UsageError);
    assert.throws(() => parseArgs(['--config', 'c.yaml', '--check-server', '--dry-run']), UsageError);
  });
});
