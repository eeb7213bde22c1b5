import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, UsageError } from '../../src/cli/args';
import { parseProbeReport, probeScript, probeSpec } from '../../src/controllers/dhe/serverCheck';
import { buildPlan, cellEnv } from '../../src/plan/plan';
import { analyze, REPLAY_CONFIG } from '../helpers/configs';

describe('--check-server pieces', () => {
  it('the Python probe is valid Python and reports the environment through its exception message', () => {
    const script = probeScript('Python', ['SIMULATION_DATE', 'OUTPUT_TABLE']);
    assert.equal(script.trim().split('\n').length, 4, 'four lines');
    // Run it with a stand-in for jpy (the Deephaven worker's Java bridge), as a worker would.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-probe-'));
    fs.writeFileSync(
      path.join(dir, 'jpy.py'),
      'class _Props(dict):\n  def getProperty(self, k): return self.get(k)\n  def stringPropertyNames(self): return self\n  def toArray(self): return list(self.keys())\n' +
        'class _System:\n  @staticmethod\n  def getProperties(): return _Props({"ReplayDatabase.BufferSize": "5000", "java.version": "17"})\n' +
        'def get_type(name): return _System\n',
    );
    fs.writeFileSync(path.join(dir, 'probe.py'), script);
    let trace = '';
    try {
      execFileSync('python3', [path.join(dir, 'probe.py')], { env: { PATH: process.env.PATH, PYTHONPATH: dir, SIMULATION_DATE: '2024-01-02', OUTPUT_TABLE: 'a, "b"' }, stdio: 'pipe' });
      assert.fail('the probe must raise');
    } catch (e) {
      trace = String((e as { stderr?: Buffer }).stderr ?? '');
    }
    assert.match(trace, /RuntimeError: PQO_CHECK_BEGIN/);
    const seen = parseProbeReport(trace);
    assert.deepEqual(seen, { env: { SIMULATION_DATE: '2024-01-02', OUTPUT_TABLE: 'a, "b"' }, props: { 'ReplayDatabase.BufferSize': '5000' } });
  });

  it('the Groovy probe names the same variables; a trace without a report gives undefined', () => {
    const script = probeScript('Groovy', ['A', 'B']);
    assert.equal(script.trim().split('\n').length, 4);
    assert.match(script, /def pqoNames = \["A","B"\]/);
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
