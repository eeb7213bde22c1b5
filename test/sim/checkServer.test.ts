import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeKeyFile } from './keys';
import { waitFor } from '../helpers/cli';
import { project, runAgainst, SIM_PASSWORD, simConfig, startAgainst } from './helpers';
import { Simulator } from './simulator';

describe('pq-orchestrator --check-server against the simulator', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let key: { file: string; publicKey: string };

  beforeEach(async () => {
    key = writeKeyFile(fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-keys-')), 'sim');
    sim = new Simulator({ users: { sim: SIM_PASSWORD }, publicKeys: { sim: [key.publicKey] }, knobs: { workerMs: [20, 60], stepMs: 3 } });
    await sim.start();
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('password login: lists what the server offers, runs the probe, shows what the worker saw, deletes it, exit 0', async () => {
    const p = project(simConfig(sim));
    const r = await runAgainst(p, ['--check-server']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Logged in\s+sim \(password\); queries are created as sim/);
    assert.match(r.stdout, /Worker kinds\s+DeephavenCommunity, DeephavenEnterprise/);
    assert.match(r.stdout, /JVM profiles\s+Default, Large/);
    assert.match(r.stdout, /ok\s+execution\.worker_kind DeephavenCommunity/);
    assert.match(r.stdout, /Probe query pq_check_simtest_\d{8}_\d{6}/);
    assert.match(r.stdout, /ok\s+SIMULATION_DATE="2024-01-01"/);
    assert.match(r.stdout, /ok\s+OUTPUT_TABLE="results"/);
    assert.match(r.stdout, /deleted/);
    assert.match(r.stdout, /Result: the server accepts this config/);
    assert.equal(sim.received.length, 1, 'exactly one probe query was created');
    const q = sim.received[0] as Record<string, unknown>;
    assert.equal(q.type, 'RunAndDone');
    assert.match(String(q.name), /^pq_check_simtest_/);
    assert.equal(sim.deletedNames.length, 1, 'the probe was deleted');
    assert.deepEqual(sim.violations, []);
    assert.ok(!r.stdout.includes(SIM_PASSWORD) && !r.stderr.includes(SIM_PASSWORD), 'the password never reaches the output');
  });

  const TOKEN = 'tok-S3cr3t-value-42';
  const replayProject = () => project(`${simConfig(sim, { mode: 'replay', auth: `  auth_method: "private_key"\n  username: "sim"\n  private_key_path: "${key.file}"` })}  API_TOKEN: "\${SIM_API_TOKEN}"\n`);

  it('key-file login, replay config: a ReplayScript probe too, reporting the replay clock and JVM settings the worker saw; a secret compared by digest', async () => {
    const r = await runAgainst(replayProject(), ['--check-server'], { SIM_API_TOKEN: TOKEN });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Logged in\s+sim \(private_key\)/);
    assert.match(r.stdout, /ok\s+ReplayDatabase\.BufferSize=5000/);
    assert.match(r.stdout, /ok\s+ReplayDatabase\.TimestampColumn\.Market\.Trade=EventTime/);
    assert.match(r.stdout, /ok\s+PeriodicUpdateGraph\.targetCycleDurationMillis=100/);
    assert.deepEqual(sim.received.map((q) => q.type), ['RunAndDone', 'ReplayScript'], 'both probes, one after the other');
    assert.match(r.stdout, /Probe query pq_check_simtest_\d{8}_\d{6}_replay \(ReplayScript\)/);
    assert.match(r.stdout, /replay clock the worker saw \(ReplayScript\):\n\s+ok\s+date 2024-01-01\n\s+ok\s+time 09:30:00\.004 \(America\/New_York\)\n\s+ok\s+speed 10\.00×/);
    assert.equal(sim.deletedNames.length, 2, 'both probes deleted');
    // The secret reached the worker (its digest matched) but is in no script, report or output.
    assert.equal((r.stdout.match(/ok\s+API_TOKEN=\(set, hidden\)/g) ?? []).length, 2);
    for (const q of sim.received) assert.ok(!String(q.scriptCode).includes(TOKEN), 'not in the probe script');
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
  });

  it('a replay worker whose clock ignores the replay date and start: each named, exit 4', async () => {
    sim.setKnobs({ replayClockIsWall: true });
    const r = await runAgainst(replayProject(), ['--check-server'], { SIM_API_TOKEN: TOKEN });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stdout, /MISMATCH\s+date \d{4}-\d{2}-\d{2} \(sent 2024-01-01\)/);
    assert.match(r.stdout, /replay date: the worker's clock says \d{4}-\d{2}-\d{2}, the orchestrator sent ReplayDate 2024-01-01/);
    assert.match(r.stdout, /replay speed: the worker's clock ran at 1\.00×, the orchestrator sent ReplaySpeed 10/);
  });

  it('a worker kind and a server the server does not have: each listed, no probe query, exit 4', async () => {
    const p = project(simConfig(sim, { exec: '  worker_kind: "DeephavenLegacy"\n  server_name: "NoSuchServer"\n' }));
    const r = await runAgainst(p, ['--check-server']);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stdout, /MISMATCH\s+execution\.worker_kind DeephavenLegacy: .*allowed: DeephavenCommunity, DeephavenEnterprise/);
    assert.match(r.stdout, /MISMATCH\s+execution\.server_name NoSuchServer: .*known: AutoQuery/);
    assert.match(r.stdout, /Result: 2 mismatches:/);
    assert.match(r.stdout, /Probe query skipped/);
    assert.equal(sim.received.length, 0, 'nothing was created');
  });

  it('--no-probe-query creates nothing; --json prints one line', async () => {
    const p = project(simConfig(sim));
    const r = await runAgainst(p, ['--check-server', '--no-probe-query', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const j = JSON.parse(lines[0]) as { ok: boolean; mismatches: string[]; report: string };
    assert.equal(j.ok, true);
    assert.match(j.report, /Probe query skipped \(--no-probe-query\)/);
    assert.equal(sim.received.length, 0);
  });

  it('a wrong password: the refusal is reported, exit 4, the password is not echoed', async () => {
    const p = project(simConfig(sim));
    const r = await runAgainst(p, ['--check-server'], { SIM_DH_PASSWORD: 'wrong-Pass-123' });
    assert.equal(r.code, 4);
    assert.match(r.stdout, /Connection\s+FAILED: login to .* as sim refused/);
    assert.ok(!r.stdout.includes('wrong-Pass-123'));
  });

  it('a worker that does not see a variable it was sent: the mismatch names it', async () => {
    // The simulated worker drops OUTPUT_TABLE, as a server that mis-split the env string would.
    sim.setKnobs({ dropEnvVar: 'OUTPUT_TABLE' });
    const p = project(simConfig(sim));
    const r = await runAgainst(p, ['--check-server']);
    assert.equal(r.code, 4, r.stdout);
    assert.match(r.stdout, /MISMATCH\s+OUTPUT_TABLE=\(not set\) \(sent "results"\)/);
    assert.equal(sim.deletedNames.length, 1, 'the probe was deleted even so');
  });
});

describe('pq-orchestrator --check-server stopped by a signal', function () {
  this.timeout(60_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} while the probe runs: the probe query is deleted, exit 4 (a CI timeout sends SIGTERM)`, async () => {
      // The probe never gets past Initializing: the signal arrives while the check waits for it.
      const sim = new Simulator({ users: { sim: SIM_PASSWORD }, knobs: { hangInitFraction: 1, stepMs: 3 } });
      await sim.start();
      try {
        const p = project(simConfig(sim));
        const cli = startAgainst(p, ['--check-server']);
        await waitFor(() => sim.live().length === 1, 45_000, 'the probe to run');
        cli.child.kill(signal);
        const r = await cli.done;
        assert.equal(r.code, 4, r.stdout + r.stderr);
        assert.equal(sim.queries.size, 0, 'the probe query is gone from the server');
        assert.deepEqual(sim.violations, []);
      } finally {
        await sim.stop();
      }
    });
  }
});
