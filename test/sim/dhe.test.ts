import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitFor } from '../helpers/cli';
import { writeKeyFile } from './keys';
import { FAST_ENV, project, runAgainst, SHORT_CREATE_TIMEOUT, SIM_PASSWORD, simConfig, startAgainst, WORKER } from './helpers';
import { queryProblem } from './queryRules';
import { Simulator } from './simulator';

describe('dhe backend against the simulator', function () {
  this.timeout(120_000); // waits are bounds for a hang, generous for a loaded machine
  let sim: Simulator;
  let keyDir: string;
  let key: { file: string; publicKey: string };

  beforeEach(async () => {
    keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-keys-'));
    key = writeKeyFile(keyDir, 'sim');
    sim = new Simulator({ users: { sim: SIM_PASSWORD }, publicKeys: { sim: [key.publicKey] }, knobs: { workerMs: [20, 60], stepMs: 3 } });
    await sim.start();
  });
  afterEach(async () => {
    await sim.stop();
  });

  function noViolations(): void {
    assert.deepEqual(sim.violations, []);
    assert.equal(sim.live().length, 0, 'no query left running');
  }

  it('downloads the API over HTTP, logs in, and creates one batch query per cell with the exact settings', async () => {
    const p = project(simConfig(sim, { concurrency: 3 }));
    sim.setKnobs({ expectMaxLive: 3 });
    const r = await runAgainst(p);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sim.received.length, 6);
    assert.ok(fs.readdirSync(FAST_ENV.PQO_CACHE_DIR).length > 0, 'the API was downloaded into the cache');
    const q = sim.received.find((c) => c.name === 'pq_batch_simtest_20240102_1') as Record<string, unknown>;
    assert.equal(q.type, 'RunAndDone');
    assert.equal(q.owner, 'sim');
    assert.equal(q.enabled, true);
    assert.equal(q.heapSize, 4);
    assert.equal(q.dataMemoryRatio, 0.25);
    assert.equal(q.dbServerName, 'AutoQuery');
    assert.equal(q.jvmProfile, 'Default');
    assert.equal(q.workerKind, 'DeephavenCommunity');
    assert.equal(q.scriptLanguage, 'Python');
    assert.equal(q.scriptCode, WORKER);
    assert.equal(q.timeout, 5 * 60_000);
    assert.equal(q.restartUsers, 1);
    const vars = String(q.envVars).split('\n');
    assert.deepEqual(vars.slice(0, 6), ['SIMULATION_NAME=simtest', 'SIMULATION_DATE=2024-01-02', 'PARTITION_ID=1', 'NUM_PARTITIONS=2', 'QUERY_NAME=pq_batch_simtest_20240102_1', 'OUTPUT_TABLE=results']);
    // Then who made it: the config, the run and what it runs (the plan hash), and which creation this is.
    const runDir = /Run record: (.*)\/record\.jsonl/.exec(r.stderr)![1];
    assert.deepEqual(vars.slice(6).map((v) => v.split('=')[0]), ['PQO_CONFIG', 'PQO_RUN', 'PQO_FINGERPRINT', 'PQO_CREATION']);
    assert.equal(vars[6], `PQO_CONFIG=simtest@${p.config}`);
    assert.equal(vars[7], `PQO_RUN=${path.basename(runDir)}`);
    assert.equal(q.jvmArgs, '');
    assert.equal(q.typeSpecificFields, null);
    const sched = q.scheduling as string[];
    assert.equal(sched[0], 'SchedulerType=com.illumon.iris.controller.IrisQuerySchedulerRange');
    assert.ok(sched.includes('UseStartDateTime=true') && sched.includes('UseStopDateTime=true') && sched.some((s) => s.startsWith('StopDate=')));
    assert.equal(sim.deletedNames.length, 6, 'successful queries deleted');
    assert.equal(q.enableGcLogs, true, 'GC logs on, as the Python ancestor and query-utils');
    assert.deepEqual(sim.clientTransports, ['object'], 'the client was given a gRPC transport factory, as vscode-deephaven does');
    assert.ok(sim.maxLiveSeen <= 3);
    noViolations();
  });

  it('creates ReplayScript queries with replay fields, JVM args and a continuous schedule', async () => {
    const p = project(simConfig(sim, { mode: 'replay', end: '2024-01-01' }));
    const r = await runAgainst(p);
    assert.equal(r.code, 0, r.stderr);
    const q = sim.received[0] as Record<string, unknown>;
    assert.equal(q.type, 'ReplayScript');
    assert.equal(q.timeout, 60_000);
    assert.equal(q.jvmArgs, '-DPeriodicUpdateGraph.targetCycleDurationMillis=100 -DReplayDatabase.BufferSize=5000 -DReplayDatabase.TimestampColumn.Market.Trade=EventTime');
    assert.deepEqual(q.typeSpecificFields, {
      ReplaySorted: { type: 'boolean', value: 'true' },
      ReplayStart: { type: 'string', value: '09:30:00' },
      ReplayDate: { type: 'string', value: '2024-01-01' },
      ReplaySpeed: { type: 'string', value: '10' },
    });
    assert.deepEqual(q.scheduling, [
      'SchedulerType=com.illumon.iris.controller.IrisQuerySchedulerContinuous', 'StartTime=00:00:00', 'TimeZone=UTC', 'SchedulingDisabled=false', 'Overnight=false',
      'RepeatEnabled=false', 'SkipIfUnsuccessful=false', 'StopTimeDisabled=true', 'RestartErrorCount=0', 'RestartErrorDelay=0', 'RestartWhenRunning=Yes', 'DailyRestart=false',
    ]);
    assert.match(r.stderr, /succeeded\s+2/, 'a replay worker that stops itself succeeds');
    noViolations();
  });

  it('a wrong password: exit 4, nothing created, and the secret never printed', async () => {
    const p = project(simConfig(sim));
    const r = await runAgainst(p, [], { SIM_DH_PASSWORD: 'Wrong-Secret-99' });
    assert.equal(r.code, 4);
    assert.match(r.stderr, /login to http:\/\/127\.0\.0\.1:\d+ as sim refused: Authentication failed/);
    assert.ok(!r.stderr.includes('Wrong-Secret-99') && !r.stdout.includes('Wrong-Secret-99'));
    assert.equal(sim.received.length, 0);
    assert.ok(!fs.existsSync(path.join(p.dir, '.pq-orchestrator')), 'no run record for a run that never started');
  });

  it('logs in with an EC private key (the simulator verifies the signature)', async () => {
    const auth = `  auth_method: "private_key"\n  username: "sim"\n  private_key_path: "${key.file}"`;
    const p = project(simConfig(sim, { auth, end: '2024-01-01' }));
    const r = await runAgainst(p);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sim.received.length, 2);
    assert.ok(!r.stderr.includes(fs.readFileSync(key.file, 'utf8').split('\n')[3].split(' ')[1]), 'no key material printed');
  });

  it('refuses an unregistered key and a legacy DSA key file clearly', async () => {
    const other = writeKeyFile(keyDir, 'sim-other');
    const p = project(simConfig(sim, { auth: `  auth_method: "private_key"\n  username: "sim"\n  private_key_path: "${other.file}"` }));
    fs.writeFileSync(other.file, fs.readFileSync(other.file, 'utf8').replace('user sim-other', 'user sim'));
    const r = await runAgainst(p);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /refused: Authentication failed: public key not registered for sim/);
    const dsa = path.join(keyDir, 'priv-dsa.base64.txt');
    fs.writeFileSync(dsa, `user sim\noperateas sim\npublic ${Buffer.from('0123456789').toString('base64')}\nprivate ${Buffer.from('abcdefghij').toString('base64')}\n`);
    const p2 = project(simConfig(sim, { auth: `  auth_method: "private_key"\n  username: "sim"\n  private_key_path: "${dsa}"` }));
    const r2 = await runAgainst(p2);
    assert.equal(r2.code, 4);
    assert.match(r2.stderr, /legacy \(DSA\) key; only EC keys are supported/);
    assert.equal(sim.received.length, 0);
  });

  it('checks the plan against the server before creating anything', async () => {
    const exec = '  server_name: "NoSuchServer"\n  jvm_profile: "Huge"\n';
    const p = project(simConfig(sim, { exec }).replace('heap_size_gb: 4', 'heap_size_gb: 100'));
    const r = await runAgainst(p);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /server_name "NoSuchServer" is not a query server or group here/);
    assert.match(r.stderr, /jvm_profile "Huge" is not defined/);
    assert.match(r.stderr, /heap_size_gb 100 exceeds the server's maximum of 64 GB/);
    assert.equal(sim.received.length, 0);
  });

  it('an unreachable server is a clear error', async () => {
    const p = project(simConfig(sim).replace(/127\.0\.0\.1:\d+/, '127.0.0.1:1'));
    const r = await runAgainst(p);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /cannot reach the Deephaven server at http:\/\/127\.0\.0\.1:1: connection refused: nothing answers on 127\.0\.0\.1:1; is the server running/);
    const check = await runAgainst(p, ['--check-server']);
    assert.equal(check.code, 4);
    assert.match(check.stdout, /Result: could not connect or log in, so nothing was checked/);
    assert.doesNotMatch(check.stdout, /mismatch/, 'an unreachable server is not a mismatch');
  });

  describe('faults', () => {
    it('creation rejects are retried', async () => {
      sim.setKnobs({ rejectNext: 3 });
      const r = await runAgainst(project(simConfig(sim)));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(sim.received.length, 9, 'three refused, six accepted');
      assert.match(r.stderr, /Creation failed \(attempt 1\).*simulated rejection; retrying/);
      noViolations();
    });

    it('a lost reply: the query is known as the creation\'s when it shows (by its creation id); never created twice', async () => {
      sim.setKnobs({ dropReplyNext: 2, workerMs: [1500, 1600] });
      const r = await runAgainst(project(simConfig(sim)), [], SHORT_CREATE_TIMEOUT);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(sim.createCount, 6);
      assert.doesNotMatch(r.stderr, /Creation failed/, 'no attempt spent on a lost reply');
      assert.match(r.stderr, /succeeded\s+6/);
      noViolations();
    });

    it('worker failures: exit 2, the server stack trace in the summary, failed queries kept', async () => {
      sim.setKnobs({ failFraction: 1 });
      const r = await runAgainst(project(simConfig(sim, { end: '2024-01-01' })));
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /ValueError: simulated worker failure in pq_batch_simtest_20240101_0/);
      assert.match(r.stderr, /DbInternal\.ProcessEventLog where ProcessInfoId == "pi-/);
      assert.equal(sim.queries.size, 2, 'failed queries kept for debugging');
      assert.deepEqual(sim.violations, []);
    });

    it('stuck initialization: the replay watchdog stops the query and counts it failed', async () => {
      sim.setKnobs({ hangInitFraction: 1 });
      const p = project(simConfig(sim, { mode: 'replay', end: '2024-01-01', replay: 'replay:\n  init_timeout_minutes: 0.01\n  replay_start: "09:30:00"\n  replay_speed: 1\n' }));
      const r = await runAgainst(p);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /did not start running within init_timeout_minutes/);
      noViolations();
    });

    it('a disconnect mid-run: reconnects, catches up, finishes', async () => {
      sim.setKnobs({ disconnectAfterCreates: 2, workerMs: [200, 300] });
      const r = await runAgainst(project(simConfig(sim)));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /lost the connection/);
      assert.match(r.stderr, /reconnected/);
      // Creations wait for the connection instead of spending their retries on it (they ran out before a slow
      // reconnect in CI: 4 cells failed with "not connected").
      assert.doesNotMatch(r.stderr, /not connected/);
      assert.equal(sim.createCount, 6);
      noViolations();
    });

    it('an outage while cells wait to be created: they wait for the connection, none spends its retries on it', async () => {
      // The server goes away at the first creation, with the replies to the creations already sent, for 0.6 s (less
      // than the creation timeout); the queries made before it finish during it.
      sim.setKnobs({ disconnectAfterCreates: 1, outageMs: 600, workerMs: [20, 40] });
      // The wait for the connection is bounded by the creation timeout (30 s in the tests), so a reconnect slowed by a
      // loaded machine is still waited for (at 0.7 s a slow reconnect made creations fail "not connected").
      const r = await runAgainst(project(simConfig(sim)));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /lost the connection/);
      assert.match(r.stderr, /reconnected/);
      assert.doesNotMatch(r.stderr, /not connected/);
      assert.equal(sim.createCount, 6);
      noViolations();
    });

    it('the server forgets the login across a reconnect: logged in again, every cell ends as it did on the server, none run twice', async () => {
      sim.setKnobs({ workerMs: [800, 1000], expectMaxLive: 3 });
      const p = project(simConfig(sim));
      const cli = startAgainst(p);
      await waitFor(() => sim.live().length === 3 && sim.live().every((q) => q.status === 'Executing'), 45_000, 'three running');
      sim.forgetSessions();
      const r = await cli.done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /logged in again; catching up/);
      assert.match(r.stderr, /succeeded\s+6/);
      assert.equal(sim.createCount, 6, 'each cell created once');
      assert.doesNotMatch(r.stderr, /ran longer than|refused to log in again/);
      noViolations();
    });

    it('delayed events still give the right outcome', async () => {
      sim.setKnobs({ eventDelayMs: 100 });
      const r = await runAgainst(project(simConfig(sim)));
      assert.equal(r.code, 0, r.stderr);
      noViolations();
    });

    it('no capacity, waiting: never more live than the concurrency, all complete', async () => {
      const small = new Simulator({ users: { sim: SIM_PASSWORD }, servers: [{ name: 'QueryServer_1', capacityGb: 8 }], knobs: { workerMs: [30, 50], stepMs: 3, expectMaxLive: 3 } });
      await small.start();
      try {
        const r = await runAgainst(project(simConfig(small)));
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(small.violations, []);
      } finally {
        await small.stop();
      }
    });

    it('no capacity, failing: deleted and queued again, not counted as failures', async () => {
      const small = new Simulator({ users: { sim: SIM_PASSWORD }, servers: [{ name: 'QueryServer_1', capacityGb: 8 }], knobs: { workerMs: [30, 50], stepMs: 3, capacityMode: 'fail' } });
      await small.start();
      try {
        const r = await runAgainst(project(simConfig(small)));
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /Queued again: .*no capacity: com\.illumon\.iris\.controller\.ResourcesUnavailableException/);
        assert.ok(small.createCount > 6);
        assert.deepEqual(small.violations, []);
        assert.equal(small.queries.size, 0);
      } finally {
        await small.stop();
      }
    });
  });

  it('second Ctrl+C stops and deletes the running queries on the server', async () => {
    sim.setKnobs({ workerMs: [30_000, 30_000] });
    const p = project(simConfig(sim));
    const cli = startAgainst(p);
    await waitFor(() => sim.live().length === 3 && sim.live().every((q) => q.status === 'Executing'), 45_000, 'three running');
    cli.child.kill('SIGINT');
    await waitFor(() => /Shutdown signal received/.test(cli.output()), 5000, 'first signal');
    cli.child.kill('SIGINT');
    const r = await cli.done;
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /cancelled\s+3/);
    assert.equal(sim.queries.size, 0, 'deleted on the server');
    assert.equal(sim.createCount, 3);
  });

  it('kill -9 mid-run, then --resume adopts the queries still running by name', async () => {
    sim.setKnobs({ workerMs: [1500, 1500], expectMaxLive: 3 });
    const p = project(simConfig(sim));
    const cli = startAgainst(p);
    await waitFor(() => sim.live().length === 3, 45_000, 'three live');
    cli.child.kill('SIGKILL');
    await cli.done;
    const liveBefore = sim.live().map((q) => q.config.name);
    assert.equal(liveBefore.length, 3, 'queries keep running on the server');
    const r = await runAgainst(p, ['--resume']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Adopted existing session/);
    assert.equal(sim.createCount, 6, 'each cell created once across both processes');
    noViolations();
  });

  it('kill -9 after 2 s, wait until queries finish on the server, then --resume: every cell once, none left, not early', async () => {
    // The reporter's repro: 10 cells, max_concurrent_sessions 4, workers of ~1.2 s, resume after the server finished
    // the queries the killed run had created (the run then adopts finished queries while seeding).
    sim.setKnobs({ workerMs: [1000, 1400], expectMaxLive: 4 });
    const p = project(simConfig(sim, { partitions: 5, concurrency: 4, end: '2024-01-02' }));
    const cli = startAgainst(p);
    await new Promise((r) => setTimeout(r, 2000));
    cli.child.kill('SIGKILL');
    await cli.done;
    await waitFor(() => sim.live().length === 0, 45_000, 'server finished what the killed run created');
    const r = await runAgainst(p, ['--resume']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /succeeded\s+10/);
    assert.doesNotMatch(r.stderr, /run record is closed|Shutdown signal/);
    const names = sim.received.map((c) => String(c.name));
    assert.equal(new Set(names).size, 10, 'every cell created');
    assert.equal(names.length, 10, 'no cell created twice');
    assert.equal(sim.queries.size, 0, 'delete_successful_queries: nothing left on the server');
    noViolations();
  });

  describe('as strict as a real server', () => {
    it('a reconnect whose client cache starts empty fails no running query', async () => {
      sim.setKnobs({ workerMs: [1500, 1500], expectMaxLive: 3, reconnectEmptyCacheMs: 600, disconnectAfterCreates: 3 });
      const p = project(simConfig(sim));
      const r = await runAgainst(p, [], { PQO_DHE_SETTLE_MS: '3000' });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /reconnected to the Deephaven server/);
      assert.doesNotMatch(r.stderr, /deleted on the server/);
      assert.match(r.stderr, /succeeded\s+6/);
      assert.equal(sim.createCount, 6);
      noViolations();
    });

    it('a query deleted while disconnected still counts as gone after the settle delay', async function () {
      this.timeout(240_000);
      sim.setKnobs({ workerMs: [120_000, 120_000], expectMaxLive: 3 });
      const p = project(simConfig(sim, { partitions: 1, end: '2024-01-03' }));
      const cli = startAgainst(p, [], { PQO_DHE_SETTLE_MS: '500' });
      // (It once timed out here on a loaded machine, cause unknown: the failure now says what the server and the run had.)
      await waitFor(() => sim.live().length === 3 && sim.live().every((q) => q.status === 'Executing'), 90_000, 'three executing').catch((e: Error) => {
        throw new Error(`${e.message}; on the server: ${sim.live().map((q) => `${String(q.config.name)} ${q.status}`).join(', ') || 'nothing live'}; created ${sim.createCount}; the run said:\n${cli.output()}`);
      });
      // Deleted behind the orchestrator's back, then a reconnect whose cache starts empty: no removed event ever
      // reaches it, and the query never comes back.
      const victim = sim.live()[0];
      sim.vanish(victim.serial);
      sim.setKnobs({ reconnectEmptyCacheMs: 200 });
      sim.dropClients();
      await waitFor(() => /Session failed \(execution\)/.test(cli.output()), 45_000, 'the deletion noticed');
      cli.child.kill('SIGINT');
      await waitFor(() => /Shutdown signal received/.test(cli.output()), 5000, 'first signal');
      cli.child.kill('SIGINT');
      const r = await cli.done;
      assert.match(r.stderr, /the query was deleted on the server while (Executing|Running|Initializing|AcquiringWorker)/);
      assert.match(r.stderr, /failed\s+1/);
    });

    it('a worker kind the server does not offer is refused before anything is created, naming the allowed ones', async () => {
      const p = project(simConfig(sim, { exec: '  worker_kind: "DeephavenLegacy"\n' }));
      const r = await runAgainst(p);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /execution\.worker_kind "DeephavenLegacy" is not a worker kind of this server \(allowed: DeephavenCommunity, DeephavenEnterprise\)/);
      assert.equal(sim.createCount, 0);
    });

    it('a key file with comments, extra whitespace and extra tokens is read as the official client reads it', async () => {
      const text = fs.readFileSync(key.file, 'utf8').split('\n').map((l) => (l ? `  ${l.replace(' ', '\t ')}   trailing-token` : l));
      fs.writeFileSync(key.file, `# generated by generate-iris-keys\n${text.join('\n')}\n# end\n`, { mode: 0o600 });
      const p = project(simConfig(sim, { auth: `  auth_method: "private_key"\n  username: "sim"\n  private_key_path: "${key.file}"` }));
      const r = await runAgainst(p);
      assert.equal(r.code, 0, r.stderr);
    });

    const base = (over: Record<string, unknown> = {}) => ({
      name: 'q', type: 'RunAndDone', dbServerName: 'AutoQuery', jvmProfile: 'Default', workerKind: 'DeephavenCommunity', heapSize: 4, scriptCode: 'x',
      scheduling: ['SchedulerType=com.illumon.iris.controller.IrisQuerySchedulerRange', 'StartTime=00:00:00', 'StopTime=01:00:00', 'TimeZone=UTC', 'SchedulingDisabled=false', 'StartDate=2024-01-01', 'StopDate=2024-01-01', 'UseStartDateTime=true', 'UseStopDateTime=true'],
      ...over,
    });
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['scheduling that does not start with SchedulerType', { scheduling: ['StartTime=00:00:00'] }, /first entry must be SchedulerType/],
      ['a range scheduler without its tokens', { scheduling: ['SchedulerType=com.illumon.iris.controller.IrisQuerySchedulerRange', 'StartTime=00:00:00'] }, /missing StopTime, TimeZone, SchedulingDisabled, StartDate, StopDate, UseStartDateTime, UseStopDateTime/],
      ['replay fields that are not {type, value: string}', { type: 'ReplayScript', scheduling: ['SchedulerType=com.illumon.iris.controller.IrisQuerySchedulerContinuous', 'StartTime=00:00:00', 'TimeZone=UTC', 'SchedulingDisabled=false', 'DailyRestart=false'], typeSpecificFields: { ReplayDate: { type: 'string', value: '2024-01-01' }, ReplayStart: { type: 'string', value: '09:30:00' }, ReplaySpeed: { type: 'string', value: '1' }, ReplaySorted: { type: 'boolean', value: true } } }, /ReplaySorted must be \{type, value\} with a string value/],
      ['an unknown server name', { dbServerName: 'Nope' }, /Unknown server name Nope/],
      ['an unknown JVM profile', { jvmProfile: 'Huge' }, /Unknown JVM profile Huge/],
      ['an unknown worker kind', { workerKind: 'Legacy' }, /Unknown worker kind Legacy/],
      ['a heap over the maximum', { heapSize: 65 }, /exceeds the maximum of 64 GB/],
      ['a script over the maximum length', { scriptCode: 'x'.repeat(100_001) }, /longer than the maximum/],
    ];
    for (const [what, over, error] of cases) {
      it(`the simulator refuses ${what}`, () => {
        assert.match(queryProblem(base(over), sim.facts()) ?? 'accepted', error);
      });
    }
    it('the simulator accepts what the orchestrator sends', () => assert.equal(queryProblem(base(), sim.facts()), undefined));

    it('SchedulingDisabled=true never starts; a worker missing an automatic variable fails with a traceback', async () => {
      const cfg = base({ scheduling: (base().scheduling as string[]).map((s) => (s === 'SchedulingDisabled=false' ? 'SchedulingDisabled=true' : s)), envVars: 'SIMULATION_NAME=a' });
      const s = sim as unknown as { create(c: Record<string, unknown>, who: { operateAs: string }): string };
      const serial = s.create({ ...cfg, owner: 'sim' }, { operateAs: 'sim' });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(sim.queries.get(serial)?.status, 'Uninitialized');
      const serial2 = s.create({ ...base({ name: 'q2' }), owner: 'sim', envVars: 'SIMULATION_NAME=a\nSIMULATION_DATE=2024-01-01' }, { operateAs: 'sim' });
      await waitFor(() => sim.queries.get(serial2)?.status === 'Failed', 5000, 'the worker to fail');
      assert.match(String(sim.queries.get(serial2)?.fullStackTrace), /KeyError: 'PARTITION_ID'/);
      sim.setKnobs({});
    });
  });
});
