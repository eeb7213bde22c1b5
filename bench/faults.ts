// `npm run bench:faults`: the CLI against the simulator under each fault; what was planned, what happened.
import { FAST_ENV, project, runAgainst, SIM_PASSWORD, simConfig } from '../test/sim/helpers';
import { Simulator, type Knobs, type SimulatorOptions } from '../test/sim/simulator';
import { benchIdentity } from './identity';
import { benchKillResume } from './killResume';
import { printTable } from './table';

interface Fault {
  name: string;
  knobs?: Partial<Knobs>;
  options?: SimulatorOptions;
  replay?: boolean;
}

const FAULTS: Fault[] = [
  { name: 'none' },
  { name: 'creation rejects (10)', knobs: { rejectNext: 10 } },
  { name: 'lost replies (3)', knobs: { dropReplyNext: 3, workerMs: [1000, 1200] } },
  { name: 'worker failures (20%)', knobs: { failFraction: 0.2 } },
  { name: 'stuck initialization (10%)', knobs: { hangInitFraction: 0.1 }, replay: true },
  { name: 'disconnect mid-run', knobs: { disconnectAfterCreates: 20, workerMs: [100, 200] } },
  { name: 'events delayed 150 ms', knobs: { eventDelayMs: 150 } },
  { name: 'reconnect with an empty cache', knobs: { disconnectAfterCreates: 20, reconnectEmptyCacheMs: 500, workerMs: [300, 600] } },
  { name: 'no capacity (wait)', options: { servers: [{ name: 'QueryServer_1', capacityGb: 16 }] } },
  { name: 'no capacity (fail)', options: { servers: [{ name: 'QueryServer_1', capacityGb: 16 }] }, knobs: { capacityMode: 'fail' } },
];

async function main(): Promise<void> {
  if (process.argv.includes('kill')) return benchKillResume();
  if (process.argv.includes('identity')) return benchIdentity();
  const rows = [];
  const concurrency = 8;
  for (const f of FAULTS) {
    const sim = new Simulator({ users: { sim: SIM_PASSWORD }, ...f.options, knobs: { workerMs: [40, 120], stepMs: 5, expectMaxLive: concurrency, ...f.knobs } });
    await sim.start();
    try {
      const replay = f.replay ? 'replay:\n  init_timeout_minutes: 0.02\n  replay_start: "09:30:00"\n  replay_speed: 1\n' : undefined;
      // 10 dates x 6 partitions = 60 cells
      const p = project(simConfig(sim, { partitions: 6, concurrency, end: '2024-01-10', mode: f.replay ? 'replay' : 'batch', replay, exec: '  max_failures: 100\n' }));
      const t = performance.now();
      const r = await runAgainst(p);
      const seconds = (performance.now() - t) / 1000;
      const done = /succeeded\s+(\d+)/.exec(r.stderr);
      const failed = /failed\s+(\d+)/.exec(r.stderr);
      rows.push({
        fault: f.name,
        planned: 60,
        completed: done ? Number(done[1]) : 0,
        failed: failed ? Number(failed[1]) : 0,
        'queries created': sim.createCount,
        duplicates: sim.violations.filter((v) => v.startsWith('duplicate name')).length,
        orphans: sim.live().length,
        violations: sim.violations.length,
        'max live': sim.maxLiveSeen,
        exit: r.code ?? -1,
        's': seconds,
      });
    } finally {
      await sim.stop();
    }
  }
  printTable(`Faults against the simulator: 60 cells, concurrency ${concurrency} (duplicates, orphans and violations must be 0)`, rows);
  void FAST_ENV;
  await benchIdentity();
  if (process.env.PQO_SKIP_KILL !== '1') await benchKillResume();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
