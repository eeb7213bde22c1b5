import * as vscode from 'vscode';
import { loadPlan } from '../../plan/load';
import type { RecordedRun } from '../../record/reader';
import { recordedRunView, recordedRuns } from './history';
import type { RunStore, RunView } from './runStore';

/** "started 2 Dec 20:15" in the user's locale. */
function when(at: number): string {
  return new Date(at).toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** A recorded run as a pick row: when it started, what it covered and how it ended. */
function item(rec: RecordedRun, known: boolean): vscode.QuickPickItem & { rec: RecordedRun } {
  const s = rec.ended?.summary;
  const failed = s ? s.failedCreation + s.failedExecution : 0;
  const outcome = s ? [`${s.succeeded}/${s.cells}`, failed ? `${failed} failed` : undefined, s.notStarted ? `${s.notStarted} not started` : undefined].filter(Boolean).join(' · ') : 'not ended';
  const what = rec.header.rerunOf ? `rerun of ${rec.header.cells} cell${rec.header.cells === 1 ? '' : 's'} of ${rec.header.rerunOf}` : `${rec.header.cells} cells`;
  return { label: `started ${when(rec.header.at)}`, description: outcome, detail: `${rec.header.runId} · ${what}${known ? ' · in the Runs view' : ''}`, rec };
}

/**
 * Opens one recorded run of a config (the Runs view keeps a config's newest run; the config's grid composes the
 * latest outcome of each cell): picked from its runs, newest first, or named by `runId`. Adds it to the Runs view.
 */
export async function openRecordedRun(store: RunStore, config: vscode.Uri, runId?: string): Promise<RunView | undefined> {
  const loaded = loadPlan(config.fsPath, { purpose: 'edit' });
  const shown = vscode.workspace.asRelativePath(config);
  if (loaded.kind !== 'plan') return void vscode.window.showErrorMessage(`PQ Orchestrator: ${shown} has problems; fix them to open its recorded runs.`);
  const runs = recordedRuns(config.fsPath, loaded.plan);
  if (!runs.length) return void vscode.window.showInformationMessage(`PQ Orchestrator: ${shown} has no recorded run yet.`);
  let rec = runId ? runs.find((r) => r.header.runId === runId) : undefined;
  if (runId && !rec) return void vscode.window.showErrorMessage(`PQ Orchestrator: ${shown} has no recorded run ${runId}.`);
  if (!rec) {
    const picked = await vscode.window.showQuickPick(
      runs.map((r) => item(r, Boolean(store.find(r.header.runId)))),
      { title: `Recorded runs of ${shown}`, placeHolder: 'newest first', matchOnDescription: true, matchOnDetail: true },
    );
    rec = picked?.rec;
  }
  return rec ? recordedRunView(store, loaded.plan, rec) : undefined;
}
