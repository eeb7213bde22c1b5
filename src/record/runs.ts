import * as fs from 'node:fs';
import * as path from 'node:path';
import { DamagedRecordError, readRecord, type RecordedRun } from './reader';
import type { RecordLine } from './format';

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

/** Runs of a config, newest first (run ids sort by time). Every entry but the lock files counts. */
export function listRuns(root: string): string[] {
  try {
    return fs.readdirSync(root, { withFileTypes: true }).filter((d) => !d.name.startsWith('run.lock')).map((d) => path.join(root, d.name)).sort().reverse();
  } catch {
    return [];
  }
}

/**
 * The newest run that has a record. A newest run whose record is damaged (or that is not a folder) throws
 * DamagedRecordError: silently taking an older run would resume or rerun the wrong one.
 */
export function latestRun(root: string, visit?: (line: RecordLine) => void): RecordedRun | undefined {
  for (const dir of listRuns(root)) {
    let isDir = false;
    try {
      isDir = fs.statSync(dir).isDirectory();
    } catch {
      /* vanished */
    }
    if (!isDir) throw new DamagedRecordError(`${dir} should be a run folder but is not a folder; move it away to use the runs before it`);
    const r = readRecord(dir, visit);
    if (r) return r;
  }
  return undefined;
}
