import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { printTable } from './table';

/** (c) The local backend against `xargs -P` running the same 500 trivial Python workers at the same concurrency. */
export function benchLocalVsXargs(): void {
  const cells = 500;
  const concurrency = 4;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-bench-local-'));
  fs.writeFileSync(path.join(dir, 'worker.py'), 'import os\nx = sum(range(1000)) + int(os.environ.get("PARTITION_ID", "0"))\n');
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    `name: bench\nbackend: local\nexecution:\n  worker_script: worker.py\n  num_partitions: 2\n  max_concurrent_sessions: ${concurrency}\n  heap_size_gb: 1\n  script_language: Python\nbatch:\n  timeout_minutes: 5\ndates:\n  start: "2023-01-01"\n  end: "2023-09-07"\nenv: {}\n`,
  );
  // Both sides start the interpreter itself, not a launcher such as a pyenv shim.
  const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
  const cli = path.resolve(__dirname, '..', '..', 'bin', 'pq-orchestrator.js');
  const runOurs = () => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [cli, '--config', path.join(dir, 'config.yaml')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`orchestrator failed: ${r.stderr.slice(-500)}`);
    if (!r.stderr.includes(`succeeded     ${cells}`)) throw new Error('not every cell ran');
    return performance.now() - t;
  };
  const runXargs = () => {
    const t = performance.now();
    const r = spawnSync('sh', ['-c', `seq ${cells} | xargs -P ${concurrency} -n 1 ${python} ${path.join(dir, 'worker.py')}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`xargs failed: ${r.stderr}`);
    return performance.now() - t;
  };
  runXargs(); // warm the page cache
  const ours: number[] = [];
  const xargs: number[] = [];
  for (let i = 0; i < 3; i++) {
    xargs.push(runXargs());
    ours.push(runOurs());
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[1];
  printTable(`(c) Local backend vs xargs -P ${concurrency}: ${cells} trivial Python workers (median of 3, interleaved)`, [
    { runner: 'xargs -P', 'median s': med(xargs) / 1000, ratio: 1, target: '-' },
    { runner: 'pq-orchestrator (local)', 'median s': med(ours) / 1000, ratio: med(ours) / med(xargs), target: '<= 1.15' },
  ]);
  fs.rmSync(dir, { recursive: true, force: true });
}
