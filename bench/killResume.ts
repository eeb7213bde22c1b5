// `npm run bench:faults` (kill rows): kill -9 of the CLI at a random moment, `--resume` after a random wait, for both
// backends, counted by ledgers the orchestrator does not keep: the workers' own files (local) and the simulator's
// completions (dhe). Also two runs of one config started together.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, startCli } from '../test/helpers/cli';
import { FAST_ENV, project, runAgainst, SIM_PASSWORD, simConfig, startAgainst } from '../test/sim/helpers';
import { Simulator } from '../test/sim/simulator';
import { printTable } from './table';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TRIALS = Number(process.env.PQO_KILL_TRIALS ?? 20);
const MAX_WAIT_S = Number(process.env.PQO_KILL_MAX_WAIT_S ?? 10);
const CAP = 4;
const DATES = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05'];
const PARTITIONS = 4; // 20 cells

/**
 * A worker that takes 0.3-1.5 s, never exits early, and appends "done <query>" to the ledger as the last thing
 * before it exits. A local worker's completion is its exit with code 0: one killed after its work but before its
 * exit has not completed as far as anyone can tell, and runs again; os._exit makes the two one moment.
 */
const LEDGER_WORKER = `import os, random, time
q = os.environ["QUERY_NAME"]
time.sleep(0.3 + random.random() * 1.2)
with open(os.environ["LEDGER"], "a") as f:
    f.write("done " + q + "\\n")
os._exit(0)
`;

function localConfig(): string {
  return `name: "killtest"
backend: local
execution:
  worker_script: "worker.py"
  num_partitions: ${PARTITIONS}
  max_concurrent_sessions: ${CAP}
  heap_size_gb: 1
  script_language: "Python"
batch:
  timeout_minutes: 5
dates:
  start: "${DATES[0]}"
  end: "${DATES[DATES.length - 1]}"
  weekdays_only: false
env:
  LEDGER: "\${LEDGER}"
`;
}

/** Live local workers of a project, from /proc: independent of the orchestrator's bookkeeping. */
function liveWorkers(script: string): number {
  let n = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script)) n++;
    } catch {
      /* gone */
    }
  }
  return n;
}

interface Tally {
  trials: number;
  lost: number;
  twice: number;
  maxLive: number;
  leftOnServer: number | string;
  notEnded: number;
  violations: number | string;
}

async function localTrial(t: Tally, rnd: () => number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-kill-'));
  const script = path.join(dir, 'worker.py');
  fs.writeFileSync(script, LEDGER_WORKER);
  fs.writeFileSync(path.join(dir, 'config.yaml'), localConfig());
  const ledger = path.join(dir, 'ledger.txt');
  const env = { LEDGER: ledger };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      t.maxLive = Math.max(t.maxLive, liveWorkers(script));
      await sleep(15);
    }
  })();
  const cli = startCli(['--config', path.join(dir, 'config.yaml')], { env });
  await sleep(300 + rnd() * 3500);
  cli.child.kill('SIGKILL');
  await cli.done;
  await sleep(rnd() * MAX_WAIT_S * 1000);
  const resumed = await Promise.race([runCli(['--config', path.join(dir, 'config.yaml'), '--resume'], { env }), sleep(120_000).then(() => undefined)]);
  sampling = false;
  await sampler;
  if (!resumed || (resumed.code !== 0 && !/already finished/.test(resumed.stderr))) t.notEnded++;
  const done = fs.existsSync(ledger) ? fs.readFileSync(ledger, 'utf8').trim().split('\n').filter(Boolean) : [];
  const counts = new Map<string, number>();
  for (const l of done) counts.set(l.slice(5), (counts.get(l.slice(5)) ?? 0) + 1);
  t.lost += DATES.length * PARTITIONS - counts.size;
  for (const c of counts.values()) if (c > 1) t.twice += c - 1;
  if (process.env.PQO_KILL_DEBUG && [...counts.values()].some((c) => c > 1)) console.error(`completed twice in ${dir}: ${[...counts].filter(([, c]) => c > 1).map(([q]) => q).join(', ')}`);
  t.trials++;
}

async function dheTrial(t: Tally, rnd: () => number): Promise<void> {
  const sim = new Simulator({ users: { sim: SIM_PASSWORD }, knobs: { workerMs: [300, 1500], stepMs: 5, expectMaxLive: CAP } });
  await sim.start();
  try {
    const p = project(simConfig(sim, { partitions: PARTITIONS, concurrency: CAP, end: DATES[DATES.length - 1] }));
    const cli = startAgainst(p);
    await sleep(300 + rnd() * 3500);
    cli.child.kill('SIGKILL');
    await cli.done;
    await sleep(rnd() * MAX_WAIT_S * 1000);
    const resumed = await Promise.race([runAgainst(p, ['--resume']), sleep(120_000).then(() => undefined)]);
    if (!resumed || (resumed.code !== 0 && !/already finished/.test(resumed.stderr))) t.notEnded++;
    const cells = DATES.length * PARTITIONS; // 2024-01-01 to 01-05 are weekdays
    t.lost += cells - sim.completions.size;
    for (const c of sim.completions.values()) if (c > 1) t.twice += c - 1;
    t.maxLive = Math.max(t.maxLive, sim.maxLiveSeen);
    t.leftOnServer = Number(t.leftOnServer) + sim.queries.size;
    t.violations = Number(t.violations) + sim.violations.length;
    t.trials++;
  } finally {
    await sim.stop();
  }
}

async function concurrentRow(): Promise<Record<string, string | number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-twice-'));
  fs.writeFileSync(path.join(dir, 'worker.py'), LEDGER_WORKER);
  fs.writeFileSync(path.join(dir, 'config.yaml'), localConfig());
  const ledger = path.join(dir, 'ledger.txt');
  const [a, b] = await Promise.all([0, 1].map(() => runCli(['--config', path.join(dir, 'config.yaml')], { env: { LEDGER: ledger } })));
  const executions = fs.readFileSync(ledger, 'utf8').trim().split('\n').length;
  return {
    case: 'two runs of one config started together (local)',
    'exit codes': [a.code, b.code].sort().join(' and '),
    refused: [a, b].filter((r) => r.code === 4 && /not started: another run/.test(r.stderr)).length,
    executions,
    cells: DATES.length * PARTITIONS,
    target: 'one refused, executions = cells',
  };
}

export async function benchKillResume(): Promise<void> {
  let x = Number(process.env.PQO_KILL_SEED ?? Date.now() % 2147483647) || 1;
  const rnd = () => ((x = (x * 48271) % 2147483647) / 2147483647);
  const local: Tally = { trials: 0, lost: 0, twice: 0, maxLive: 0, leftOnServer: '-', notEnded: 0, violations: '-' };
  const dhe: Tally = { trials: 0, lost: 0, twice: 0, maxLive: 0, leftOnServer: 0, notEnded: 0, violations: 0 };
  for (let i = 0; i < TRIALS; i++) await localTrial(local, rnd);
  if (process.env.PQO_KILL_BACKENDS !== 'local') for (let i = 0; i < TRIALS; i++) await dheTrial(dhe, rnd);
  const row = (backend: string, t: Tally) => ({
    backend,
    trials: t.trials,
    'cells lost': t.lost,
    'completed twice': t.twice,
    'max live (cap 4)': t.maxLive,
    'left on server': t.leftOnServer,
    'runs not ended': t.notEnded,
    violations: t.violations,
    target: 'all 0, max live <= 4',
  });
  printTable(`kill -9 at a random moment (0.3-3.8 s), --resume after 0-${MAX_WAIT_S} s: 20 cells, cap ${CAP}, workers of 0.3-1.5 s`, [row('local', local), row('dhe (simulator)', dhe)]);
  printTable('Concurrent runs', [await concurrentRow()]);
  void FAST_ENV;
}
