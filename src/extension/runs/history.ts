import * as fs from 'node:fs';
import * as path from 'node:path';
import { attemptLogFile, logDirOf } from '../../controllers/local/logs';
import { loadPlan } from '../../plan/load';
import { runsRoot } from '../../record/record';
import { latestRunState } from '../../record/replay';
import type { ConfigFiles } from '../language/configFiles';
import type { RunStore } from './runStore';

/**
 * Puts the last recorded run of each config in the workspace into the tree (runs from the CLI too), when its record
 * still matches the config and worker script as they are now. Returns how many runs it added.
 */
export async function loadHistory(files: ConfigFiles, store: RunStore): Promise<number> {
  let added = 0;
  for (const uri of await files.findAll()) {
    try {
      const loaded = loadPlan(uri.fsPath, { purpose: 'edit' });
      if (loaded.kind !== 'plan') continue;
      const plan = loaded.plan;
      const last = latestRunState(runsRoot(uri.fsPath, plan.name), plan);
      if (!last || last.rec.header.planHash !== plan.hash || store.find(last.rec.header.runId)) continue;
      store.addRecorded(plan, last.rec, logFinder(last.rec.dir), last.state);
      added++;
    } catch {
      /* an unreadable config or record is simply not shown */
    }
  }
  return added;
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
    const f = attemptLogFile(logDirOf(runDir), queryName, serial);
    return files.has(path.basename(f)) ? f : undefined;
  };
}
