import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitFor } from '../helpers/cli';
import { FAST_ENV, project, runAgainst, SHORT_CREATE_TIMEOUT, SIM_PASSWORD, simConfig, startAgainst } from './helpers';
import { Simulator } from './simulator';

/** What a query's creator sent as its script (the simulator keeps every config it received). */
const script = (c: Record<string, unknown>) => String(c.scriptCode);

describe('identity: a query is ours because it carries our mark, not because its name matches (dhe)', function () {
  this.timeout(90_000);
  let sim: Simulator;

  beforeEach(async () => {
    sim = new Simulator({ users: { sim: SIM_PASSWORD }, knobs: { workerMs: [20, 60], stepMs: 3 } });
    await sim.start();
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('kill -9, edit the worker, a plain new run: the killed run\'s live queries are replaced, never adopted', async () => {
    // The killed run's queries must still run when the new run looks, however slow a loaded machine starts it:
    // they would run two minutes (the new run stops them).
    sim.setKnobs({ workerMs: [120_000, 120_000], expectMaxLive: 3 });
    const p = project(simConfig(sim), { 'worker.py': 'print("old script")\n' });
    const cli = startAgainst(p);
    await waitFor(() => sim.live().length === 3, 45_000, 'three live');
    cli.child.kill('SIGKILL');
    await cli.done;
    const stale = sim.live().map((q) => ({ serial: q.serial, name: String(q.config.name) }));
    assert.equal(stale.length, 3);
    fs.writeFileSync(path.join(path.dirname(p.config), 'worker.py'), 'print("new script")\n');
    sim.setKnobs({ workerMs: [20, 60] });
    const r = await runAgainst(p);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Adopted existing session|adopting it/, 'nothing of the killed run is taken as this run\'s');
    for (const q of stale) assert.match(r.stderr, new RegExp(`${q.name} \\(serial ${q.serial}\\).*replaced`), `a warning names ${q.name}`);
    // Every cell of the new run ran the new script: the last query created for each name is the new script's.
    const last = new Map<string, Record<string, unknown>>();
    for (const c of sim.received) last.set(String(c.name), c);
    assert.equal(last.size, 6);
    for (const [name, c] of last) assert.match(script(c), /new script/, name);
    assert.match(r.stderr, /succeeded\s+6/);
    assert.equal(sim.live().length, 0, 'nothing left running');
    assert.deepEqual(sim.violations, []);
  });

  it('a query of our name made by another config is never touched: that cell is refused, naming the query, its serial and its maker', async () => {
    sim.setKnobs({ workerMs: [30_000, 30_000] });
    const other = project(simConfig(sim, { partitions: 1, end: '2024-01-01', concurrency: 1 }));
    const cli = startAgainst(other);
    await waitFor(() => sim.live().length === 1, 45_000, 'the other config\'s query live');
    const theirs = sim.live()[0];
    cli.child.kill('SIGKILL');
    await cli.done;
    sim.setKnobs({ workerMs: [20, 60] });
    // Same name, another file: another config.
    const mine = project(simConfig(sim, { partitions: 1, end: '2024-01-02', concurrency: 2 }));
    const r = await runAgainst(mine);
    assert.notEqual(r.code, 0, 'a refused cell is not a success');
    assert.match(r.stderr, new RegExp(`${String(theirs.config.name)} \\(serial ${theirs.serial}\\)[^\\n]*${other.config.replace(/[/.]/g, '\\$&')}`), r.stderr);
    assert.ok(sim.queries.has(theirs.serial), 'the other config\'s query still exists');
    assert.equal(sim.queries.get(theirs.serial)!.status, 'Executing', 'and still runs');
    assert.match(r.stderr, /succeeded\s+1/, 'the other cell ran');
    await sim.stop();
  });

  it('a server slower than the create timeout: each cell created once, never more live than the cap, nothing left behind', async () => {
    // The client gives up on a creation after 0.7 s; the server takes 1.2 s to make each query.
    sim.setKnobs({ createDelayMs: 1200, workerMs: [100, 200], expectMaxLive: 4 });
    const p = project(simConfig(sim, { partitions: 5, concurrency: 4, end: '2024-01-04' }));
    const r = await runAgainst(p, [], SHORT_CREATE_TIMEOUT);
    assert.equal(r.code, 0, r.stderr);
    // Creations the client gave up on may still land after the run: wait for the server to carry out every one.
    await waitFor(() => sim.pendingCreates === 0, 30_000, 'the server to finish its creations');
    await waitFor(() => sim.live().length === 0, 30_000, 'whatever landed late to end');
    const names = sim.received.map((c) => String(c.name));
    assert.equal(new Set(names).size, 20);
    assert.equal(names.length, 20, 'no cell created twice');
    assert.ok(sim.maxLiveSeen <= 4, `${sim.maxLiveSeen} live at once`);
    assert.equal(sim.queries.size, 0, 'nothing left on the server');
    assert.deepEqual(sim.violations, []);
  });
});

describe('creations whose outcome is unknown (dhe)', function () {
  this.timeout(90_000);

  it('a creation given up on that lands later is deleted and reported, and the run does not end before it lands', async () => {
    const sim = new Simulator({ users: { sim: SIM_PASSWORD }, knobs: { workerMs: [20, 60], stepMs: 3, createDelayMs: 3000 } });
    await sim.start();
    try {
      // Client timeout 0.7 s, then 0.3 s more of waiting for the query to show: each creation is given up two seconds
      // before the server makes it (3 s; a margin a loaded machine keeps), so every attempt's query lands late.
      const p = project(simConfig(sim, { partitions: 1, end: '2024-01-01', concurrency: 1 }));
      const r = await runAgainst(p, [], { ...SHORT_CREATE_TIMEOUT, PQO_DHE_CREATE_SETTLE_MS: '300' });
      assert.equal(r.code, 1, 'the cell failed creation: ' + r.stderr);
      const late = r.stderr.match(/appeared on the server after its creation had been given up; deleting it/g) ?? [];
      assert.equal(late.length, sim.received.length, 'each late query reported');
      assert.equal(sim.received.length, 4, 'one creation and three retries');
      assert.equal(sim.pendingCreates, 0, 'the run waited for the server to answer every creation');
      assert.equal(sim.queries.size, 0, 'none left on the server');
      assert.deepEqual(sim.violations, []);
    } finally {
      await sim.stop();
    }
  });
});

/** A source module bundled as the extension is (CommonJS, everything inlined), then loaded. */
function bundled<T>(entry: string): T {
  const root = path.resolve(__dirname, '..', '..', '..');
  const outfile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-bundle-')), 'module.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('esbuild').buildSync({ entryPoints: [path.join(root, entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'error' });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(outfile) as T;
}

describe('an interrupted run: how many of its queries are still alive on the server (dhe)', function () {
  this.timeout(90_000);

  it('counts the killed run\'s queries the server still runs, by serial and mark; none once they are gone', async () => {
    // Queries that run for two minutes: still alive whenever the count is asked, on a loaded machine too.
    const sim = new Simulator({ users: { sim: SIM_PASSWORD }, knobs: { workerMs: [120_000, 120_000], stepMs: 3 } });
    await sim.start();
    try {
      const p = project(simConfig(sim));
      const cli = startAgainst(p);
      await waitFor(() => sim.live().length === 3, 45_000, 'three live');
      // And the run has recorded all three (the server counts a query before its reply reaches the run: killed in
      // between, on a loaded machine, the record had none).
      const record = () => {
        const root = path.join(p.dir, '.pq-orchestrator', 'runs', 'simtest');
        const dir = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => !d.startsWith('run.lock'))[0] : undefined;
        return dir ? path.join(root, dir, 'record.jsonl') : undefined;
      };
      const created = () => (record() && fs.existsSync(record()!) ? fs.readFileSync(record()!, 'utf8').split('\n').filter((l) => l.startsWith('{"t":"created"')).length : 0);
      await waitFor(() => created() === 3, 45_000, 'three created in the record');
      cli.child.kill('SIGKILL');
      await cli.done;
      const { loadPlan } = await import('../../src/plan/load');
      const { readRecord } = await import('../../src/record/reader');
      const { latestRun } = await import('../../src/record/runs');
      const { runsRoot } = await import('../../src/record/runs');
      // The Deephaven API loads only from a CommonJS bundle (as the CLI and the extension ship): bundled for the test.
      const { liveQueriesOf } = bundled<typeof import('../../src/session/liveQueries')>('src/session/liveQueries.ts');
      const loaded = loadPlan(p.config, { purpose: 'run', env: { ...process.env, ...FAST_ENV } });
      assert.equal(loaded.kind, 'plan');
      const plan = (loaded as Extract<typeof loaded, { kind: 'plan' }>).plan;
      const rec = latestRun(runsRoot(p.config, plan.name))!;
      assert.ok(readRecord(rec.dir));
      const serials = rec.lines.filter((l) => l.t === 'created').map((l) => (l as { s: string }).s);
      assert.equal(serials.length, 3, 'the record saw three created');
      const counted = await liveQueriesOf(plan, rec.header.runId, [...serials, '999999'], { runDir: rec.dir });
      assert.deepEqual(counted, { alive: 3 }, 'the three still running; an unknown serial is not counted');
      assert.deepEqual(await liveQueriesOf(plan, 'another-run', serials, { runDir: rec.dir }), { alive: 0 }, 'another run\'s mark does not count');
      // Gone from the server (deleted there): none counted.
      for (const s of serials) sim.vanish(s);
      assert.deepEqual(await liveQueriesOf(plan, rec.header.runId, serials, { runDir: rec.dir }), { alive: 0 });
    } finally {
      await sim.stop();
    }
  });
});
