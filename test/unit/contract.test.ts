import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../helpers/cli';

/**
 * The Deephaven examples run (not just compile) under plain Python 3 against stubs of the server modules that expose
 * only the documented functions and signatures (test/contract/stubs, each naming its doc page), the way a
 * persistent query runs a script: its text, without a file. See test/contract/run_examples.py. Every call they make
 * is then bound against deephaven-core's real signatures at each supported version (test/contract/bind_check.py).
 */
interface Call { api: string; args: unknown[]; kwargs: Record<string, unknown> }
interface Mismatch { api: string; version: string; error: string }
interface Run { example: string; script: string; env: Record<string, string>; error: string | null; returned: boolean; stoppedItself: boolean; calls: Call[]; undocumented: string[]; rerun?: boolean; otherName?: boolean; noSymbols?: boolean; schemaRace?: boolean }

const SYMBOLS = 'AAPL,MSFT,GOOG,AMZN,META,NVDA,TSLA,JPM,XOM,JNJ,PG,KO,PEP,WMT,HD,BAC'.split(',');
const OUTPUTS: Record<string, [string, string[]]> = {
  simple_worker_batch: ['PQOSimpleBatch', ['CellStatus']],
  simple_worker_replay: ['PQOSimpleReplay', ['CellStatus']],
  trading_simulation_batch: ['MeanReversionBatch', ['DailyPnL']],
  trading_simulation_replay: ['MeanReversionReplay', ['Trades', 'DailyPnL']],
};

describe('Deephaven examples against the documented server API (contract)', function () {
  this.timeout(60_000);
  let runs: Run[];

  let report: { versions: string[]; mismatches: Mismatch[]; stubsBeyondCore: Mismatch[] };

  before(() => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-contract-')), 'runs.json');
    const r = spawnSync('python3', [path.join(ROOT, 'test/contract/run_examples.py'), out], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(fs.readFileSync(out, 'utf8'));
    runs = (report as unknown as { runs: Run[] }).runs;
  });

  it('every call the examples make binds to deephaven-core\'s own signatures at each supported version, 0.33 to 42', () => {
    // signatures.json is read from deephaven-core's tagged sources (extract_signatures.py), not written by us.
    assert.deepEqual(report.versions, ['v0.33.3', 'v0.35.0', 'v0.37.0', 'v0.39.0', 'v41.1', 'v42.4']);
    assert.ok(runs.reduce((n, r) => n + r.calls.filter((c) => !/^(Database|ControllerClient)\./.test(c.api)).length, 0) > 500, 'the calls are recorded');
    assert.deepEqual(report.mismatches.map((m) => m.error), []);
    assert.deepEqual(report.stubsBeyondCore.map((m) => m.error), [], 'the stubs offer nothing a supported version lacks');
  });

  it('the binding check catches each kind of mistake, naming the version and the real definition', () => {
    const planted = [
      { api: 'deephaven.agg.count_where', args: ['Wins', 'PnL > 0'], kwargs: {} }, // 0.38+ only
      { api: 'Table.natural_join', args: ['Table', 'Sym'], kwargs: { joins: 'X', type: 'ERROR_ON_DUPLICATE' } }, // type: 0.39+
      { api: 'deephaven.table_listener.listen', args: ['Table'], kwargs: {} }, // no listener
      { api: 'deephaven.time_table', args: ['PT1S', null, false, 'extra'], kwargs: {} }, // one too many
      { api: 'Table.where', args: [], kwargs: { filter: 'X > 1' } }, // the keyword is filters
      { api: 'Table.no_such_method', args: [], kwargs: {} },
    ];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-bind-')), 'calls.json');
    fs.writeFileSync(file, JSON.stringify(planted));
    const r = spawnSync('python3', [path.join(ROOT, 'test/contract/bind_check.py'), file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const found = JSON.parse(r.stdout) as Mismatch[];
    const at = (api: string) => found.filter((m) => m.api === api).map((m) => m.version);
    assert.deepEqual(at('deephaven.agg.count_where'), ['v0.33.3', 'v0.35.0', 'v0.37.0']);
    assert.deepEqual(at('Table.natural_join'), ['v0.33.3', 'v0.35.0', 'v0.37.0']);
    for (const api of ['deephaven.table_listener.listen', 'deephaven.time_table', 'Table.where', 'Table.no_such_method']) assert.equal(at(api).length, 6, `${api}: at every version`);
    assert.match(found.find((m) => m.api === 'Table.where')!.error, /Table\.where\(filter=…\) does not bind to v0\.33\.3's \(filters=\) at py\/server\/deephaven\/table\.py:\d+: got an unexpected keyword argument 'filter'/);
    assert.match(found.find((m) => m.api === 'deephaven.table_listener.listen')!.error, /missing a required argument: 'listener'/);
    assert.match(found.find((m) => m.api === 'deephaven.agg.count_where')!.error, /does not exist in deephaven-core v0\.33\.3/);
  });

  const workers = () => runs.filter((r) => r.env.PARTITION_ID !== undefined && !r.schemaRace);

  it('every script runs to the end and calls nothing undocumented', () => {
    assert.ok(runs.length >= 28);
    for (const r of runs) {
      assert.deepEqual(r.undocumented, [], `${r.example}/${r.script} called undocumented APIs`);
      assert.equal(r.error, null, `${r.example}/${r.script} ${JSON.stringify(r.env)}:\n${r.error}`);
    }
  });

  it('the first run of a fresh table: a cell whose schema addition lost the race to another cell asks again and writes its partition', () => {
    const raced = runs.filter((r) => r.schemaRace);
    assert.equal(raced.length, 2);
    for (const r of raced) {
      assert.equal(r.error, null, `${r.example}: ${r.error}`);
      const [ns, tables] = OUTPUTS[r.example];
      for (const t of tables) {
        assert.equal(r.calls.filter((c) => c.api === 'Database.add_partitioned_table_schema' && c.args[1] === t).length, 2, `${t}: lost the race, asked again`);
        assert.equal(r.calls.filter((c) => c.api === 'Database.add_table_partition' && c.args[0] === ns && c.args[1] === t).length, 1, `${t}: written`);
      }
    }
  });

  it('the stubs behave as the engine does where examples went wrong: no table operation from a thread without an ExecutionContext, no agg.count_where (Core 0.33), listen() only on a refreshing table with a two-parameter listener', () => {
    const r = spawnSync('python3', ['-c', `
import sys, threading
sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'test/contract/stubs'))})
import pqo_contract
from deephaven import empty_table, time_table
from deephaven.execution_context import get_exec_ctx
from deephaven.table_listener import listen
out = []
with pqo_contract.ExecutionContextScope():
    t = empty_table(3)
    ctx = get_exec_ctx()
def bare():
    try:
        t.where("X > 1"); out.append("no error")
    except RuntimeError as e:
        out.append("raised" if "ExecutionContext" in str(e) else str(e))
def entered():
    with ctx:
        t.where("X > 1"); out.append("ok in context")
for f in (bare, entered):
    th = threading.Thread(target=f); th.start(); th.join()
from deephaven import agg
try:
    agg.count_where("W", "X > 0"); out.append("count_where exists")
except AttributeError:
    out.append("no count_where")
with pqo_contract.ExecutionContextScope():
    for table, fn in ((t, lambda u, r: None), (time_table("PT1S"), lambda u: None), (time_table("PT1S"), lambda u, r: None)):
        try:
            listen(table, fn); out.append("listening")
        except Exception as e:
            out.append(type(e).__name__)
print(",".join(out))
`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'raised,ok in context,no count_where,DHError,DHError,listening');
  });

  it('each cell adds its schema once per table and writes one partition per table keyed {simulation}_{date}_{pid}', () => {
    for (const r of workers()) {
      const [ns, tables] = OUTPUTS[r.example];
      const key = `${r.env.SIMULATION_NAME}_${r.env.SIMULATION_DATE}_${r.env.PARTITION_ID}`;
      for (const t of tables) {
        const schema = r.calls.filter((c) => c.api === 'Database.add_partitioned_table_schema' && c.args[0] === ns && c.args[1] === t);
        const adds = r.calls.filter((c) => c.api === 'Database.add_table_partition' && c.args[0] === ns && c.args[1] === t);
        if (r.noSymbols && r.example === 'trading_simulation_replay') {
          assert.equal(adds.length, 0, 'a replay partition without symbols trades nothing and writes nothing');
          continue;
        }
        assert.equal(schema.length, 1, `${r.script} ${t}: schema calls`);
        assert.deepEqual(adds.map((c) => c.args[2]), [key], `${r.script} ${t}: partition keys`);
      }
      assert.ok(!r.calls.some((c) => c.api === 'Database.add_table_partition' && !tables.includes(String(c.args[1]))), 'writes only its own tables');
    }
  });

  it('a rerun of a cell deletes its own partition, then writes it again', () => {
    const reruns = runs.filter((r) => r.rerun);
    assert.equal(reruns.length, 4);
    for (const r of reruns) {
      const key = `${r.env.SIMULATION_NAME}_${r.env.SIMULATION_DATE}_${r.env.PARTITION_ID}`;
      const order = r.calls.filter((c) => c.api === 'Database.delete_table_partition' || c.api === 'Database.add_table_partition').map((c) => `${c.api.split('.')[1]} ${String(c.args[2])}`);
      const tables = OUTPUTS[r.example][1].length;
      assert.deepEqual(order, Array.from({ length: tables }).flatMap(() => [`delete_table_partition ${key}`, `add_table_partition ${key}`]), r.example);
    }
    for (const r of runs.filter((x) => x.otherName)) {
      assert.ok(!r.calls.some((c) => c.api === 'Database.delete_table_partition'), `${r.example}: a sweep under another name touches no partition of the first`);
    }
  });

  it('replay workers return at once (the query reaches Running) and stop their own query at the simulated close', () => {
    for (const r of workers().filter((x) => x.example.endsWith('replay'))) {
      assert.ok(r.returned, `${r.example} returned from its script`);
      assert.ok(r.stoppedItself, `${r.example} pid ${r.env.PARTITION_ID} asked the controller to stop its own query`);
      assert.ok(r.calls.some((c) => c.api === 'deephaven.table_listener.listen'), 'a listener, not a loop, waits for the close');
    }
  });

  it('symbol partitions are disjoint and complete across PARTITION_ID values, and read as LocalCodeStr', () => {
    for (const example of ['trading_simulation_batch', 'trading_simulation_replay']) {
      const sweep = workers().filter((r) => r.example === example && r.env.SIMULATION_NAME === 'sweep_a' && !r.rerun);
      assert.equal(sweep.length, 3);
      const seen: string[] = [];
      for (const r of sweep) {
        const filters = r.calls.filter((c) => c.api === 'Table.where').flatMap((c) => (Array.isArray(c.args[0]) ? c.args[0] : [c.args[0]]) as string[]);
        const symFilter = filters.find((f) => f.startsWith('Sym in '));
        assert.ok(symFilter, `${example} pid ${r.env.PARTITION_ID} filters by symbol`);
        seen.push(...[...symFilter.matchAll(/`([A-Z]+)`/g)].map((m) => m[1]));
        assert.ok(r.calls.some((c) => c.api === 'Table.update_view' && JSON.stringify(c.args).includes('Sym = LocalCodeStr')), 'symbol column is LocalCodeStr');
        assert.ok(filters.some((f) => f.includes("America/New_York'")), 'market hours in TIME_ZONE');
      }
      assert.equal(new Set(seen).size, seen.length, `${example}: disjoint`);
      assert.deepEqual([...seen].sort(), [...SYMBOLS].sort(), `${example}: complete`);
      const none = runs.find((r) => r.example === example && r.noSymbols)!;
      assert.equal(none.error, null);
      assert.ok(!none.calls.some((c) => c.api === 'Table.where' && JSON.stringify(c.args).includes('Sym in')), 'no empty "Sym in" filter');
    }
  });

  it('the analysis scripts read one simulation, and the table scripts list and delete what the workers wrote', () => {
    for (const example of ['trading_simulation_batch', 'trading_simulation_replay']) {
      const analysis = runs.find((r) => r.example === example && r.script === 'analyze_trading_results.py')!;
      const reads = analysis.calls.filter((c) => c.api === 'Database.historical_table').map((c) => String(c.args[1]));
      const filtered = analysis.calls.filter((c) => c.api === 'Table.where' && JSON.stringify(c.args).includes('Simulation == `sweep_a`')).length;
      assert.equal(filtered, reads.length, `${example}: every table read is filtered by simulation`);
      const deleted = runs.filter((r) => r.example === example && r.script === 'manage_user_tables.py').flatMap((r) => r.calls.filter((c) => c.api === 'Database.delete_partitioned_table').map((c) => `${String(c.args[0])}.${String(c.args[1])}`));
      assert.deepEqual(deleted.sort(), OUTPUTS[example][1].map((t) => `${OUTPUTS[example][0]}.${t}`).sort());
    }
  });
});
