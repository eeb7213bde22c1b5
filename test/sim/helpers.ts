import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, startCli, type CliResult } from '../helpers/cli';
import type { Simulator } from './simulator';

export const SIM_PASSWORD = 'sim-pw-Secret42';
export const WORKER = 'import os\nprint("cell", os.environ.get("QUERY_NAME"))\n';
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-irisapi-'));

export interface SimConfig {
  mode?: 'batch' | 'replay';
  partitions?: number;
  concurrency?: number;
  end?: string;
  auth?: string;
  exec?: string;
  replay?: string;
  timeoutMinutes?: number;
}

export function simConfig(sim: Simulator, o: SimConfig = {}): string {
  const mode = o.mode ?? 'batch';
  return `name: "simtest"
deephaven:
  connection_url: "${sim.connectionUrl}"
${o.auth ?? '  auth_method: "password"\n  username: "sim"\n  password: "${SIM_DH_PASSWORD}"'}
execution:
  worker_script: "worker.py"
  num_partitions: ${o.partitions ?? 2}
  max_concurrent_sessions: ${o.concurrency ?? 3}
  heap_size_gb: 4
  script_language: "Python"
  max_retries: 3
${o.exec ?? ''}${mode === 'batch' ? `batch:\n  timeout_minutes: ${o.timeoutMinutes ?? 5}\n` : o.replay ?? 'replay:\n  init_timeout_minutes: 1\n  replay_start: "09:30:00"\n  replay_speed: 10\n  buffer_rows: 5000\n  replay_timestamp_columns:\n    - namespace: "Market"\n      table: "Trade"\n      column: "EventTime"\n'}dates:
  start: "2024-01-01"
  end: "${o.end ?? '2024-01-03'}"
env:
  OUTPUT_TABLE: "results"
`;
}

export function project(config: string, files: Record<string, string> = {}): { dir: string; config: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-sim-test-'));
  fs.writeFileSync(path.join(dir, 'worker.py'), WORKER);
  for (const [f, t] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), t);
  fs.writeFileSync(path.join(dir, 'config.yaml'), config);
  return { dir, config: path.join(dir, 'config.yaml') };
}

/**
 * Fast engine timers for tests. The DHE creation timeout is a bound (30 s), not a pace: at 0.7 s for every test, a
 * reply slowed by a loaded machine turned ordinary tests into lost-reply tests (a creation given up on, then found
 * late), and they failed now and then. The tests of a slow server set `SHORT_CREATE_TIMEOUT` themselves.
 */
export const FAST_ENV = {
  PQO_CACHE_DIR: cacheDir,
  PQO_TEST_TIMING: JSON.stringify({ retryBaseMs: 20, retryMaxMs: 100, capacityRequeueMs: 30, stopGraceMs: 2000 }),
  PQO_DHE_CREATE_TIMEOUT_MS: '30000',
  SIM_DH_PASSWORD: SIM_PASSWORD,
};

/** For the tests of a server slower than the client's patience: the client gives up on a creation after 0.7 s. */
export const SHORT_CREATE_TIMEOUT = { PQO_DHE_CREATE_TIMEOUT_MS: '700' };

export function runAgainst(p: { config: string }, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(['--config', p.config, ...args], { env: { ...FAST_ENV, ...env } });
}

export function startAgainst(p: { config: string }, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  return startCli(['--config', p.config, ...args], { env: { ...FAST_ENV, ...env } });
}
