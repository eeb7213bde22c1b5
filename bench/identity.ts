// Rows of `npm run bench:faults`: a query is ours by its mark, and a slow server never makes a cell run twice.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '../test/helpers/cli';
import { project, runAgainst, SIM_PASSWORD, simConfig, startAgainst } from '../test/sim/helpers';
import { Simulator, type Knobs } from '../test/sim/simulator';
import { printTable } from './table';

interface Row {
  case: string;
  cells: number;
  'run twice': number;
  'taken from another run': number;
  'other config touched': number;
  'max live': string;
  'left behind': number;
  exit: number;
}

/** Names created more than once among these configs (each creation of a name beyond the first ran that cell again). */
const twice = (configs: Record<string, unknown>[]) => {
  const n = new Map<string, number>();
  for (const c of configs) n.set(String(c.name), (n.get(String(c.name)) ?? 0) + 1);
  return [...n.values()].filter((k) => k > 1).length;
};

async function withSim<T>(knobs: Partial<Knobs>, f: (sim: Simulator) => Promise<T>): Promise<T> {
  const sim = new Simulator({ users: { sim: SIM_PASSWORD }, knobs: { stepMs: 3, ...knobs } });
  await sim.start();
  try {
    return await f(sim);
  } finally {
    await sim.stop();
  }
}

/** kill -9 while 4 queries run, edit the worker, a plain new run of 20 cells. */
function staleEarlierRun(): Promise<Row> {
  return withSim({ workerMs: [4000, 4000], expectMaxLive: 4 }, async (sim) => {
    const p = project(simConfig(sim, { partitions: 5, concurrency: 4, end: '2024-01-04' }), { 'worker.py': 'print("old")\n' });
    const killed = startAgainst(p);
    await waitFor(() => sim.live().length === 4, 20_000, 'four live');
    killed.child.kill('SIGKILL');
    await killed.done;
    const before = sim.received.length;
    fs.writeFileSync(path.join(path.dirname(p.config), 'worker.py'), 'print("new")\n');
    sim.setKnobs({ workerMs: [40, 120] });
    const r = await runAgainst(p);
    const mine = sim.received.slice(before);
    return {
      case: 'stale live queries of an earlier run (kill -9, worker edited, new run)',
      cells: 20,
      'run twice': twice(mine),
      'taken from another run': (r.stderr.match(/Adopted existing session/g) ?? []).length,
      'other config touched': 0,
      'max live': `${sim.maxLiveSeen} (cap 4)`,
      'left behind': sim.queries.size,
      exit: r.code ?? -1,
    };
  });
}

/** Another config of the same name left 2 queries running; this config's run of 20 cells. */
function anotherConfig(): Promise<Row> {
  return withSim({ workerMs: [60_000, 60_000] }, async (sim) => {
    const other = project(simConfig(sim, { partitions: 2, concurrency: 2, end: '2024-01-01' }));
    const killed = startAgainst(other);
    await waitFor(() => sim.live().length === 2, 20_000, 'two live');
    killed.child.kill('SIGKILL');
    await killed.done;
    const theirs = sim.live().map((q) => `${q.serial}:${q.status}`).sort();
    const before = sim.received.length;
    sim.setKnobs({ workerMs: [40, 120], expectMaxLive: 6 });
    const p = project(simConfig(sim, { partitions: 5, concurrency: 4, end: '2024-01-04' }));
    const r = await runAgainst(p);
    const still = sim.live().map((q) => `${q.serial}:${q.status}`).sort();
    return {
      case: 'live queries of our names made by another config (2 of the 20 names)',
      cells: 20,
      'run twice': twice(sim.received.slice(before)),
      'taken from another run': (r.stderr.match(/Adopted existing session/g) ?? []).length,
      'other config touched': theirs.filter((t) => !still.includes(t)).length,
      'max live': `${sim.maxLiveSeen} (cap 4, +2 not ours)`,
      'left behind': sim.queries.size - still.length,
      exit: r.code ?? -1,
    };
  });
}

/** The server takes 1.2 s to make each query; the client gives up waiting for a reply after 0.7 s. */
function slowServer(): Promise<Row> {
  return withSim({ workerMs: [100, 200], createDelayMs: 1200, expectMaxLive: 4 }, async (sim) => {
    const p = project(simConfig(sim, { partitions: 5, concurrency: 4, end: '2024-01-04' }));
    const r = await runAgainst(p);
    await waitFor(() => sim.pendingCreates === 0, 30_000, 'late creations');
    return {
      case: 'server slower than the create timeout (1.2 s vs 0.7 s)',
      cells: 20,
      'run twice': twice(sim.received),
      'taken from another run': 0,
      'other config touched': 0,
      'max live': `${sim.maxLiveSeen} (cap 4)`,
      'left behind': sim.queries.size,
      exit: r.code ?? -1,
    };
  });
}

export async function benchIdentity(): Promise<void> {
  const rows = [await staleEarlierRun(), await anotherConfig(), await slowServer()];
  printTable('Identity and slow servers (targets: run twice 0, taken from another run 0, other config touched 0, max live within the cap, left behind 0; exit 1 for the refused cells of the second case)', rows as unknown as Record<string, string | number>[]);
}
