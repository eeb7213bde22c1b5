import * as fs from 'node:fs';
import * as path from 'node:path';
import { logDirOf, recordedLogFile } from '../../controllers/local/logs';
import { loadPlan } from '../../plan/load';
import type { Plan } from '../../plan/plan';
import { listRuns, runsRoot } from '../../record/runs';
import { recordEnded } from '../../record/follow';
import { RECORD_FILE } from '../../record/format';
import { readRecord, type RecordedRun } from '../../record/reader';
import { followedRun, latestRunState } from '../../record/replay';
import { applyEvent } from '../../runModel/runState';
import type { ConfigFiles } from '../language/configFiles';
import type { RunStore, RunView } from './runStore';

/** Follows a record not yet ended (AttachedRuns.attach): its view, once its header is read. */
export type Attach = (recordFile: string) => RunView | undefined;

/**
 * Puts the last recorded run of each config in the workspace into the tree (runs from the CLI too), when its record
 * still matches the config and worker script as they are now. Returns how many runs it added.
 */
export async function loadHistory(files: ConfigFiles, store: RunStore, attach?: Attach, plans?: ReadonlyMap<string, Plan>): Promise<number> {
  let added = 0;
  // `plans`: the configs already found and planned (at activation, by the records watcher): not walked again.
  const configs = plans ? [...plans.keys()] : (await files.findAll()).map((u) => u.fsPath);
  for (const file of configs) {
    try {
      if (lastRecordedRun(store, file, attach, plans?.get(file))?.added) added++;
    } catch {
      /* an unreadable config or record is simply not shown */
    }
  }
  return added;
}

/**
 * A config's last recorded run in the store: the one already there, or added from its record (replayed while read)
 * when that record still matches the config and worker script. Undefined when there is none that matches.
 */
export function lastRecordedRun(store: RunStore, configFile: string, attach?: Attach, planned?: Plan): { run: RunView; added: boolean } | undefined {
  const loaded = planned ? undefined : loadPlan(configFile, { purpose: 'edit' });
  if (loaded && loaded.kind !== 'plan') return undefined;
  const plan = planned ?? (loaded as Extract<ReturnType<typeof loadPlan>, { kind: 'plan' }>).plan;
  const root = runsRoot(configFile, plan.name);
  // A run folder is named by its run id: a run the store has is not read again.
  const newest = listRuns(root)[0];
  const known = newest ? store.find(path.basename(newest)) : undefined;
  if (known) return { run: known, added: false };
  // A run that has not ended is followed (its owner still runs it) or found interrupted: the attach path decides.
  const file = newest ? path.join(newest, RECORD_FILE) : undefined;
  if (file && attach && !recordEnded(file)) {
    const run = attach(file);
    if (run) return { run, added: true };
  }
  const last = latestRunState(root, plan);
  if (!last || last.rec.header.planHash !== plan.hash) return undefined;
  return { run: store.addRecorded(plan, last.rec, logFinder(last.rec.dir), last.state), added: true };
}

/** Finds a local attempt's log file of a run still going (its logs appear as it runs): looked for when opened. */
export function liveLogFinder(runDir: string): (queryName: string, serial: string) => string | undefined {
  return (queryName, serial) => {
    const f = recordedLogFile(logDirOf(runDir), queryName, serial);
    return f && fs.existsSync(f) ? f : undefined;
  };
}

/** Finds a local attempt's log file: the logs folder is listed once, not asked about once per cell. */
export function logFinder(runDir: string): (queryName: string, serial: string) => string | undefined {
  let files: Set<string>;
  try {
    files = new Set(fs.readdirSync(logDirOf(runDir)));
  } catch {
    files = new Set();
  }
  if (files.size === 0) return () => undefined;
  return (queryName, serial) => {
    const f = recordedLogFile(logDirOf(runDir), queryName, serial);
    return f && files.has(path.basename(f)) ? f : undefined;
  };
}

/**
 * A config's recorded runs, newest first (the newest `max`): what "Open a Recorded Run" offers. Each is its header
 * and end line only (its cell lines are read past, not kept: a record can hold a million of them).
 */
export function recordedRuns(configFile: string, plan: Plan, max = 30): RecordedRun[] {
  return listRuns(runsRoot(configFile, plan.name))
    .slice(0, max)
    .flatMap((dir) => {
      try {
        const rec = readRecord(dir, () => undefined);
        return rec ? [rec] : [];
      } catch {
        return []; // an unreadable record is not offered
      }
    });
}

/**
 * A recorded run in the store: the one already there, else added from its record (replayed as it is read), its cells
 * matched to the plan by what they are (query names through the record's layout: an earlier run may have run another
 * version of the config).
 */
export function recordedRunView(store: RunStore, plan: Plan, listed: RecordedRun): RunView | undefined {
  const known = store.find(listed.header.runId);
  if (known) return known;
  let run: ReturnType<typeof followedRun> | undefined;
  const rec = readRecord(listed.dir, (line) => {
    if (line.t === 'run') run ??= followedRun(line, plan);
    const e = run?.event(line);
    if (e) applyEvent(run!.state, e);
  });
  return rec && run ? store.addRecorded(plan, rec, logFinder(rec.dir), run.state) : undefined;
}
