import * as vscode from 'vscode';
import { logUri } from '../runs/failedLog';
import { lastRecordedRun } from '../runs/history';
import type { RunManager } from '../runs/runManager';
import { logFileOf, type RunStore, type RunView } from '../runs/runStore';
import type { GridActions } from './gridPanel';

/** What the grid's clicks and "Rerun selected" do in the editor. */
export function gridActions(runs: RunManager): GridActions {
  return {
    async open(run, cell) {
      // The run's own cell, else (in a config's grid over a rerun) the cell as the earlier run that decided it left it.
      const own = run.byIndex.get(cell);
      const v = own ?? run.latest?.state.cells.get(cell);
      if (!v) return;
      // A failed cell's detail and log; any other cell's own log where the backend wrote one (a local worker's).
      if (v.state === 'failed' || (own ? logFileOf(run, v) : run.latest?.logOf(v))) {
        const doc = await vscode.workspace.openTextDocument(logUri(run.id, v, !own));
        await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.One });
      } else await vscode.window.showTextDocument(vscode.Uri.file(run.workerScript), { preview: true, viewColumn: vscode.ViewColumn.One });
    },
    async rerun(run, cells) {
      const names = cells.map((i) => run.plan.cells[i]?.queryName).filter((n): n is string => !!n);
      if (names.length) await runs.start(vscode.Uri.file(run.configFile), 'new', names);
    },
  };
}

/**
 * The run a "Open Run Grid" means: the one given, else the running or newest run of the config (the given one, the
 * active editor's), else that config's last recorded run, loaded from its record.
 */
export function gridRunFor(store: RunStore, configFile: string | undefined, runId?: string): RunView | undefined {
  if (runId) return store.find(runId);
  const mine = store.runs.filter((r) => !configFile || r.configFile === configFile);
  const run = mine.find((r) => r.phase !== 'finished') ?? mine[0];
  if (run || !configFile) return run;
  return lastRecordedRun(store, configFile)?.run;
}
