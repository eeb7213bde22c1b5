import * as path from 'node:path';

/** Where a config's runs are kept: `<config dir>/.pq-orchestrator/runs/<name>/` unless told otherwise. */
export function runsRoot(configFile: string, name: string, runDir?: string): string {
  return runDir ? path.resolve(runDir, name) : path.join(path.dirname(configFile), '.pq-orchestrator', 'runs', name);
}

let lastStamp = '';
let sameStamp = 0;

/**
 * A run id that sorts by creation time, since the newest run is found by name: UTC to the millisecond, a counter
 * for ids made in the same millisecond by one process, and a random tail.
 */
export function newRunId(now = new Date()): string {
  const iso = now.toISOString().replace(/[-:]/g, '');
  const stamp = `${iso.slice(0, 8)}-${iso.slice(9, 15)}-${iso.slice(16, 19)}`;
  sameStamp = stamp === lastStamp ? sameStamp + 1 : 0;
  lastStamp = stamp;
  return `${stamp}${sameStamp ? `.${String(sameStamp).padStart(3, '0')}` : ''}-${Math.random().toString(36).slice(2, 6)}`;
}
