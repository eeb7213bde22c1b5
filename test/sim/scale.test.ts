import { strict as assert } from 'node:assert';
import { project, runAgainst, SIM_PASSWORD, simConfig } from './helpers';
import { nameFraction, Simulator } from './simulator';

describe('the simulator at scale: a waiting queue, per-name durations', function () {
  this.timeout(60_000);

  it('an event\'s cheap encoding parses to the same query info as the full one, with every live field current', () => {
    const sim = new Simulator({ users: { sim: SIM_PASSWORD } });
    const q = {
      serial: '17', status: 'Running', fullStackTrace: 'line "quoted"\nnext', processInfoId: 'p-1', workerHost: null, server: 'QueryServer_1', timers: [], stoppedByRequest: false, fate: 'ok', runMs: 1, waitingForRoom: false, waitSeq: 0,
      // The config as sent, with keys the live fields must override.
      config: { name: 'pq_x', type: 'RunAndDone', status: 'stale', scriptCode: 'print(1)', envVars: 'A=1', designated: { status: 'stale' } },
    };
    const s = sim as unknown as { info(q: unknown): Record<string, unknown>; infoJson(q: unknown): string };
    assert.deepEqual(JSON.parse(s.infoJson(q)), JSON.parse(JSON.stringify(s.info(q))));
    q.status = 'Failed';
    q.fullStackTrace = 'boom';
    assert.deepEqual(JSON.parse(s.infoJson(q)), JSON.parse(JSON.stringify(s.info(q))), 'the config part is cached, the live part is not');
    assert.equal(JSON.parse(s.infoJson(q)).designated.numberFailures, 1);
  });

  it('queries that wait for room get it first come, first served; the server never holds more than fits', async () => {
    // One server of 3 GB, 1 GB per query, 6 allowed at once by the config: three wait at any time.
    const sim = new Simulator({ users: { sim: SIM_PASSWORD }, servers: [{ name: 'QueryServer_1', capacityGb: 3 }], knobs: { workerMsByName: [20, 60], stepMs: 2 } });
    await sim.start();
    try {
      const p = project(simConfig(sim, { concurrency: 6, partitions: 4, exec: '  server_name: "QueryServer_1"\n' }).replace('heap_size_gb: 4', 'heap_size_gb: 1'));
      const r = await runAgainst(p);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(sim.placements.length, 12);
      const created = sim.received.map((c) => String(c.name));
      assert.deepEqual(sim.placements, created, 'placed in the order they were created (FIFO)');
      assert.ok(sim.maxLiveSeen <= 6);
      assert.deepEqual(sim.violations, []);
    } finally {
      await sim.stop();
    }
  });

  it('across server queues the oldest waiting query that fits goes first; one that cannot fit blocks no other', async () => {
    const sim = new Simulator({ users: { sim: SIM_PASSWORD }, servers: [{ name: 'QueryServer_1', capacityGb: 1 }, { name: 'QueryServer_2', capacityGb: 1 }], knobs: { workerMs: [30, 30], stepMs: 1 } });
    await sim.start();
    try {
      // A real config from the orchestrator is the template; queries ask for a named server or for AutoQuery.
      const p = project(simConfig(sim, { concurrency: 1, partitions: 1, end: '2024-01-01' }).replace('heap_size_gb: 4', 'heap_size_gb: 1'));
      assert.equal((await runAgainst(p)).code, 0);
      const template = sim.received[0];
      const create = (name: string, server: string) => (sim as unknown as { create(c: Record<string, unknown>, w: { operateAs: string }): unknown }).create({ ...template, name, dbServerName: server }, { operateAs: 'sim' });
      sim.placements.length = 0;
      create('a_s1', 'QueryServer_1'); // runs on server 1
      create('b_s2', 'QueryServer_2'); // runs on server 2
      create('c_auto', 'AutoQuery'); // waits (oldest)
      create('d_s1', 'QueryServer_1'); // waits for server 1
      create('e_auto', 'AutoQuery'); // waits
      await new Promise((r) => setTimeout(r, 400));
      // a ends: server 1 goes to c (oldest). b ends: d (older) needs server 1, still busy, so e takes server 2.
      assert.deepEqual(sim.placements, ['a_s1', 'b_s2', 'c_auto', 'e_auto', 'd_s1']);
    } finally {
      await sim.stop();
    }
  });

  it('the same query name always runs as long (reruns are comparable)', () => {
    assert.equal(nameFraction('pq_batch_x_20240101_3'), nameFraction('pq_batch_x_20240101_3'));
    const spread = new Set(Array.from({ length: 200 }, (_, i) => Math.floor(nameFraction(`pq_batch_x_20240101_${i}`) * 10)));
    assert.equal(spread.size, 10, 'names spread over the whole range');
  });
});
