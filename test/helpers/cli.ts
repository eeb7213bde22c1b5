import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(ROOT, 'bin', 'pq-orchestrator.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The variables that steer TEST_WORKER; local workers see only what PQO_WORKER_PASS_ENV names beyond their base. */
const STEERING = 'SLEEP_S,MARK_DIR,FAIL_CELLS,FAIL_ONCE_DIR,DUMP_ENV';

export function startCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; done: Promise<CliResult>; output: () => string } {
  const env = { ...process.env, PQO_WORKER_PASS_ENV: STEERING, ...opts.env };
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, output: () => stdout + stderr };
}

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}

export async function waitFor(cond: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids the test worker wrote (one file per process). */
export function workerPids(dir: string): number[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.pid')).map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8')));
}

/**
 * A Python worker steered by env: FAIL_CELLS ("date/partition,..."), SLEEP_S, MARK_DIR (writes <query>.pid while
 * running and <query>.done when finished; with DUMP_ENV also <query>.env.json), FAIL_ONCE_DIR (fail the first time each cell runs).
 */
export const TEST_WORKER = `import os, sys, time
q = os.environ["QUERY_NAME"]
cell = os.environ["SIMULATION_DATE"] + "/" + os.environ["PARTITION_ID"]
mark = os.environ.get("MARK_DIR")
if mark:
    os.makedirs(mark, exist_ok=True)
    with open(os.path.join(mark, q + "." + str(os.getpid()) + ".pid"), "w") as f:
        f.write(str(os.getpid()))
    if os.environ.get("DUMP_ENV"):
        import json
        with open(os.path.join(mark, q + ".env.json"), "w") as f:
            json.dump(dict(os.environ), f)
print("worker", q, "starting", flush=True)
time.sleep(float(os.environ.get("SLEEP_S", "0")))
once = os.environ.get("FAIL_ONCE_DIR")
if once:
    flag = os.path.join(once, q)
    if not os.path.exists(flag):
        open(flag, "w").close()
        raise RuntimeError("first run of " + cell + " fails")
if cell in os.environ.get("FAIL_CELLS", "").split(","):
    raise ValueError("bad data for " + cell)
if mark:
    open(os.path.join(mark, q + ".done"), "w").close()
print("worker", q, "done", flush=True)
`;

export function localConfig(opts: { partitions?: number; concurrency?: number; end?: string; extraExec?: string; mode?: 'batch' | 'replay'; env?: string } = {}): string {
  const mode = opts.mode ?? 'batch';
  return `name: "clitest"
backend: local
execution:
  worker_script: "worker.py"
  num_partitions: ${opts.partitions ?? 2}
  max_concurrent_sessions: ${opts.concurrency ?? 2}
  heap_size_gb: 1
  script_language: "Python"
  max_retries: 1
${opts.extraExec ?? ''}${mode === 'batch' ? 'batch:\n  timeout_minutes: 5\n' : 'replay:\n  replay_start: "09:30:00"\n  replay_speed: 1\n  init_timeout_minutes: 1\n'}dates:
  start: "2024-01-01"
  end: "${opts.end ?? '2024-01-03'}"
env:
${opts.env ?? '  PARAM: "x"'}
`;
}
