import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeConfig } from '../../config/validate';
import { buildPlan } from '../../plan/plan';
import { latestRun, runsRoot } from '../../record/record';
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
      const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
      const a = analyzeConfig(text, { file: uri.fsPath, purpose: 'edit' });
      if (!a.config) continue;
      const plan = buildPlan(a.config, fs.readFileSync(a.config.execution.worker_script, 'utf8'));
      const rec = latestRun(runsRoot(uri.fsPath, plan.name));
      if (!rec || rec.header.planHash !== plan.hash || store.find(rec.header.runId)) continue;
      store.addRecorded(plan, rec, (queryName, serial) => {
        const f = path.join(rec.dir, 'logs', `${queryName}.${serial}.log`);
        return fs.existsSync(f) ? f : undefined;
      });
      added++;
    } catch {
      /* an unreadable config or record is simply not shown */
    }
  }
  return added;
}
