import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, runCli } from '../helpers/cli';

const EXAMPLES = path.join(ROOT, 'examples');
const DH_ENV = { DH_CONNECTION_URL: 'https://dh.example.com:8000/iris/connection.json', DH_USERNAME: 'alice', DH_PASSWORD: 'example-pw' };

function files(dir: string, ext: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'results' || d.name.startsWith('.') ? [] : files(p, ext);
    return p.endsWith(ext) ? [p] : [];
  });
}

describe('examples and documentation', function () {
  this.timeout(120_000);

  const configs = files(EXAMPLES, 'config.yaml');
  it('has the spec examples and the local quickstart', () => {
    const names = configs.map((c) => path.basename(path.dirname(c))).sort();
    assert.deepEqual(names, ['local_quickstart', 'simple_worker_batch', 'simple_worker_replay', 'trading_simulation_batch', 'trading_simulation_replay']);
    for (const ex of ['trading_simulation_replay', 'trading_simulation_batch']) {
      for (const f of ['analyze_trading_results.py', 'manage_user_tables.py', 'README.md', `${ex}.py`]) assert.ok(fs.existsSync(path.join(EXAMPLES, ex, f)), `${ex}/${f}`);
    }
  });

  for (const config of configs) {
    it(`${path.relative(ROOT, config)} passes --dry-run with the documented scale`, async () => {
      const r = await runCli(['--config', config, '--dry-run', '--json'], { env: DH_ENV });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = JSON.parse(r.stdout);
      const plan = out.plan;
      assert.deepEqual(out.warnings, [], 'examples ship clean: no warning about their own config');
      const expected: Record<string, number> = { local_quickstart: 20, simple_worker_batch: 10, simple_worker_replay: 10, trading_simulation_batch: 500, trading_simulation_replay: 500 };
      assert.equal(plan.cells, expected[path.basename(path.dirname(config))]);
    });
  }

  it('every Python file compiles', () => {
    const py = files(EXAMPLES, '.py');
    assert.equal(py.length, 10, py.join("\n"));
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-pyc-'));
    const r = spawnSync('python3', ['-m', 'py_compile', ...py], { encoding: 'utf8', env: { ...process.env, PYTHONPYCACHEPREFIX: cache } });
    assert.equal(r.status, 0, r.stderr);
  });

  it('the local quickstart runs end to end and its results add up', async () => {
    const dir = path.join(EXAMPLES, 'local_quickstart');
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-qs-'));
    fs.rmSync(path.join(dir, 'results'), { recursive: true, force: true });
    const r = await runCli(['--config', path.join(dir, 'config.yaml'), '--run-dir', runDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /succeeded\s+20/);
    const results = fs.readdirSync(path.join(dir, 'results')).filter((f) => f.endsWith('.json'));
    assert.equal(results.length, 20);
    const out = execFileSync('python3', [path.join(dir, 'analyze_results.py'), path.join(dir, 'results')], { encoding: 'utf8' });
    assert.match(out, /20 result files, 5 dates, 12 symbols/);
    for (const d of ['2024-03-04', '2024-03-08']) assert.match(out, new RegExp(`${d}\\s+-?\\d+\\.\\d+\\s+partitions \\[0, 1, 2, 3\\]`));
    // Deterministic: the same totals every run.
    const again = execFileSync('python3', [path.join(dir, 'analyze_results.py'), path.join(dir, 'results')], { encoding: 'utf8' });
    assert.equal(again, out);
    fs.rmSync(path.join(dir, 'results'), { recursive: true, force: true });
  });

  it("the README's config reference matches the schema", async () => {
    const mod = await import(path.join(ROOT, 'scripts', 'config-reference.mjs'));
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'config.schema.json'), 'utf8'));
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const block = mod.readmeBlock(readme);
    assert.ok(block, 'README has the reference markers');
    assert.equal(block, mod.renderReference(schema), 'run `node scripts/config-reference.mjs --write`');
    // Every schema key appears in the table.
    const keys = (s: { properties?: Record<string, unknown> }, prefix: string): string[] =>
      Object.entries(s.properties ?? {}).flatMap(([k, v]) => [`${prefix}${k}`, ...keys(v as { properties?: Record<string, unknown> }, `${prefix}${k}.`)]);
    for (const k of keys(schema, '')) assert.ok(block.includes(`\`${k}\``), k);
  });

  it('the README starts with a two-command quick start that CI runs', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const quick = /## Quick start[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme);
    assert.ok(quick);
    const commands = quick[1].trim().split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
    assert.deepEqual(commands, ['npm run quickstart', 'npm test']);
    assert.match(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8'), /^npm test$/m);
  });
});
