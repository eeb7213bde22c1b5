// `npm run bench:scale`: the CLI against the simulator (each its own process), through the real loading path, at
// 2,000, 20,000 and 250,000 cells (PQO_SCALE_SIZES=2000,20000 to choose). Prints one table with its targets.
import { spawn, type ChildProcess } from 'node:child_process';
import { simulateWall } from '../src/plan/forecast';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { printTable } from './table';

const ROOT = path.resolve(__dirname, '..', '..');
const PARTITIONS = 1000;
const CONCURRENCY = 500;
const STEP_MS = 1;

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** CPU (ms) and peak RSS (MB) of a running process, from /proc (Linux). */
function procStats(pid: number): { cpuMs: number; peakMb: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuMs: (ticks * 1000) / 100, peakMb: hwm / 1024 };
  } catch {
    return undefined;
  }
}

async function startSim(): Promise<{ child: ChildProcess; url: string; password: string; base: string }> {
  const simProf = process.env.PQO_SCALE_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', path.join(process.env.PQO_SCALE_PROFILE, 'sim')] : [];
  const child = spawn(process.execPath, [...simProf, path.join(ROOT, 'out/test/sim/main.js'), '--worker-ms-by-name', '200,400', '--step-ms', String(STEP_MS), '--servers', '8', '--capacity-gb', '1000', '--keep-received', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (/password:\s+\S+/.test(out) && /connection_url:\s+\S+/.test(out)) resolve();
    });
    child.on('exit', () => reject(new Error(`simulator exited: ${out}`)));
  });
  const url = /connection_url:\s+(\S+)/.exec(out)![1];
  return { child, url, password: /password:\s+(\S+)/.exec(out)![1], base: new URL(url).origin };
}

async function one(cells: number): Promise<Record<string, string | number>> {
  const dates = Math.ceil(cells / PARTITIONS);
  const sim = await startSim();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-scale-'));
  fs.writeFileSync(path.join(dir, 'worker.py'), 'print("cell")\n');
  const start = new Date(Date.UTC(2020, 0, 1));
  const end = new Date(start.getTime() + (dates - 1) * 86_400_000);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    `name: "scale"\ndeephaven:\n  connection_url: "${sim.url}"\n  auth_method: "password"\n  username: "sim"\n  password: "\${DH_PASSWORD}"\nexecution:\n  worker_script: "worker.py"\n  num_partitions: ${Math.min(PARTITIONS, cells)}\n  max_concurrent_sessions: ${CONCURRENCY}\n  heap_size_gb: 1\n  script_language: "Python"\n  delete_successful_queries: true\nbatch:\n  timeout_minutes: 30\ndates:\n  start: "${day(start)}"\n  end: "${day(end)}"\nenv: {}\n`,
  );
  const t0 = performance.now();
  const prof = process.env.PQO_SCALE_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.PQO_SCALE_PROFILE] : [];
  if (process.env.PQO_SCALE_CLI_NODE_ARGS) prof.push(...process.env.PQO_SCALE_CLI_NODE_ARGS.split(' '));
  const cli = spawn(process.execPath, [...prof, path.join(ROOT, 'bin/pq-orchestrator.js'), path.join(dir, 'config.yaml'), '--quiet'], { env: { ...process.env, DH_PASSWORD: sim.password, PQO_CACHE_DIR: path.join(dir, 'cache') }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  cli.stderr!.on('data', (d) => (stderr += String(d)));
  let last = { cpuMs: 0, peakMb: 0 };
  const poll = setInterval(() => (last = procStats(cli.pid!) ?? last), 200);
  const code = await new Promise<number>((resolve) => cli.on('exit', (c) => resolve(c ?? -1)));
  clearInterval(poll);
  const wall = (performance.now() - t0) / 1000;
  const state = JSON.parse(await get(`${sim.base}/sim/state`)) as { cpuMs: number; live: number; violations: string[]; createCount: number; durations: Record<string, number> };
  sim.child.kill('SIGTERM');
  const durations = Object.values(state.durations).map((d) => d + 2 * STEP_MS);
  const idealS = durations.reduce((a, b) => a + b, 0) / CONCURRENCY / 1000;
  const greedyS = simulateWall(durations, (d) => d, CONCURRENCY) / 1000; // greedy list scheduling in creation order, no overhead
  const runs = path.join(dir, '.pq-orchestrator', 'runs', 'scale');
  const record = path.join(runs, fs.readdirSync(runs).find((f) => !f.startsWith('run.lock'))!, 'record.jsonl');
  const recordBytes = fs.statSync(record).size;
  fs.rmSync(dir, { recursive: true, force: true });
  if (code !== 0) console.error(`exit ${code}: ${stderr.slice(-2000)}`);
  return {
    cells,
    'exit code': code,
    'wall s': wall,
    'ideal s': idealS,
    'greedy limit s': greedyS,
    'eff. vs greedy': greedyS / wall,
    'eff. vs ideal': idealS / wall,
    'orch. CPU µs/cell': (last.cpuMs * 1000) / cells,
    'orch. peak RSS MB': last.peakMb,
    'sim CPU s': state.cpuMs / 1000,
    'record B/cell': recordBytes / cells,
    duplicates: state.violations.filter((v) => v.startsWith('duplicate')).length,
    orphans: state.live,
    violations: state.violations.length,
  };
}

async function main(): Promise<void> {
  const sizes = (process.env.PQO_SCALE_SIZES ?? '2000,20000,250000').split(',').map(Number);
  const rows = [];
  for (const n of sizes) {
    rows.push(await one(n));
    console.error(`done: ${n} cells`);
  }
  printTable(`Scale: the CLI against the simulator (own processes), ${PARTITIONS} partitions a date, concurrency ${CONCURRENCY}, runs 200-400 ms by name, successful queries deleted.\nTargets: efficiency ≥ 0.95 of the greedy limit; orchestrator CPU ≤ 80 µs/cell; peak RSS ≤ 300 MB at 250,000; record ≤ 200 B/cell; 0 duplicates, orphans, violations`, rows);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
