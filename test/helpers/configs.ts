import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeConfig, type AnalyzeOptions } from '../../src/config/validate';
import type { Problem } from '../../src/config/problem';
import { LineIndex } from '../../src/util/lineIndex';

/** A temp folder holding worker.py, for configs whose worker_script must exist. */
export function tempProject(files: Record<string, string> = { 'worker.py': 'print("hi")\n' }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-test-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export const REPLAY_CONFIG = `name: "mysim"

deephaven:
  connection_url: "https://dh.example.com:8000/iris/connection.json"
  auth_method: "password"
  username: "\${DH_USERNAME}"
  password: "\${DH_PASSWORD}"
  private_key_path: ""

execution:
  worker_script: "worker.py"
  num_partitions: 2
  max_concurrent_sessions: 50
  heap_size_gb: 4.0
  script_language: "Python"
  jvm_profile: "Default"
  server_name: "AutoQuery"
  max_retries: 3
  max_failures: 10
  delete_successful_queries: true
  delete_failed_queries: false

replay:
  init_timeout_minutes: 10
  replay_start: "09:30:00"
  replay_speed: 10.0
  sorted_replay: true
  buffer_rows: 10000
  replay_timestamp_columns:
    - namespace: "Market"
      table: "Trade"
      column: "EventTime"

dates:
  start: "2024-01-15"
  end: "2024-01-19"
  weekdays_only: true

env:
  OUTPUT_TABLE: "results"
  CUSTOM_PARAM: "value"
`;

export const BATCH_CONFIG = `name: "batchsim"
deephaven:
  connection_url: "https://dh.example.com:8000/iris/connection.json"
  auth_method: "password"
  username: "alice"
  password: "\${DH_PASSWORD}"
execution:
  worker_script: "worker.py"
  num_partitions: 2
  max_concurrent_sessions: 4
  heap_size_gb: 2
  script_language: "Python"
batch:
  timeout_minutes: 60
dates:
  start: "2024-01-01"
  end: "2024-01-31"
  weekdays_only: true
env: {}
`;

export const TEST_ENV = { DH_USERNAME: 'alice', DH_PASSWORD: 's3cret-pw' };

export function analyze(text: string, options: Partial<AnalyzeOptions> & { dir?: string } = {}) {
  const dir = options.dir ?? tempProject();
  return analyzeConfig(text, { file: path.join(dir, 'config.yaml'), env: TEST_ENV, purpose: 'run', ...options });
}

/** The text a problem underlines. */
export function underlined(text: string, p: Problem): string {
  return text.slice(p.start, p.end);
}

export function lineCol(text: string, offset: number): string {
  const { line, col } = new LineIndex(text).position(offset);
  return `${line}:${col}`;
}

/** Replaces the first occurrence of `from` with `to`, failing loudly when absent so a fixture typo cannot pass. */
export function edit(text: string, from: string, to: string): string {
  const i = text.indexOf(from);
  if (i < 0) throw new Error(`fixture does not contain ${JSON.stringify(from)}`);
  return text.slice(0, i) + to + text.slice(i + from.length);
}
