import * as vscode from 'vscode';
import type { ConfigFiles } from './language/configFiles';
import type { Credentials } from './runs/credentials';
import { logUri } from './runs/failedLog';
import { loadHistory } from './runs/history';
import { openRecordedRun } from './runs/recordedPick';
import { newConfig, type StarterId } from './newConfig';
import type { RunManager } from './runs/runManager';
import type { AttachedRuns } from './runs/attached';
import type { RunStore } from './runs/runStore';
import type { RunTreeProvider, Node } from './tree/runTree';
import type { ContextKeys } from './contextKeys';
import type { GridPanels } from './grid/gridPanel';
import { gridRunFor } from './grid/openGrid';
import { statusRun } from './runs/statusBar';

export interface CommandDeps {
  extensionUri: vscode.Uri;
  files: ConfigFiles;
  store: RunStore;
  runs: RunManager;
  attached: AttachedRuns;
  /** Starts a run of the config as a process of its own (Run in Background); its pid. */
  background: (uri: vscode.Uri) => Promise<number | undefined>;
  credentials: Credentials;
  tree: RunTreeProvider;
  keys: ContextKeys;
  grids: GridPanels;
}

/** Every command of the extension; returns their registrations. */
export function registerCommands({ extensionUri, files, store, runs, attached, background, credentials, tree, keys, grids }: CommandDeps): vscode.Disposable[] {
  const configUri = async (arg?: unknown): Promise<vscode.Uri | undefined> => {
    if (arg instanceof vscode.Uri) return arg;
    const node = arg as Node | undefined;
    if (node && 'run' in node) return vscode.Uri.file(node.run.configFile);
    const editor = vscode.window.activeTextEditor;
    if (editor && files.isConfig(editor.document)) return editor.document.uri;
    const candidates = await files.findAll();
    if (candidates.length === 1) return candidates[0];
    if (candidates.length === 0) {
      void vscode.window.showWarningMessage('No orchestration config found in this folder.', 'New Config').then((b) => {
        if (b) void vscode.commands.executeCommand('pqOrchestrator.newConfig');
      });
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(candidates.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })), { placeHolder: 'Which config?' });
    return pick?.uri;
  };
  const cellOf = (n?: Node) => (n && n.kind === 'cell' ? n : undefined);

  const out: vscode.Disposable[] = [];
  const command = (id: string, fn: (...args: never[]) => unknown) => out.push(vscode.commands.registerCommand(id, fn));
  command('pqOrchestrator.run', async (arg?: unknown) => {
    const uri = await configUri(arg);
    if (!uri) return;
    if (vscode.workspace.getConfiguration('pqOrchestrator').get<string>('runIn') === 'background') await background(uri);
    else await runs.start(uri, 'new');
  });
  command('pqOrchestrator.runInBackground', async (arg?: unknown) => {
    const uri = await configUri(arg);
    if (uri) return background(uri);
  });
  command('pqOrchestrator.dryRun', async (arg?: unknown) => {
    const uri = await configUri(arg);
    if (uri) await runs.dryRun(uri);
  });
  command('pqOrchestrator.checkServer', async (arg?: unknown) => {
    const uri = await configUri(arg);
    if (uri) await runs.checkServer(uri);
  });
  command('pqOrchestrator.newConfig', (kind?: StarterId) => newConfig(extensionUri, kind));
  command('pqOrchestrator.stop', (n?: Node) => {
    // A run of this window stops here; a run followed from its record is asked to stop by its owner.
    const target = n?.run ?? store.runs.find((r) => r.phase !== 'finished' && (runs.active.has(r.id) || r.attached));
    if (target && !runs.active.has(target.id) && target.attached) {
      if (!vscode.workspace.isTrusted) return void vscode.window.showWarningMessage('PQ Orchestrator: runs are followed read-only in an untrusted workspace; trust this folder to stop them.');
      const said = attached.stop(target.id);
      return void vscode.window.showInformationMessage(`PQ Orchestrator: ${said ?? `${target.name} is no longer followed`}.`);
    }
    if (runs.active.size === 0) return void vscode.window.showInformationMessage('PQ Orchestrator: no run is active, so there is nothing to stop.');
    return runs.stop(target?.id);
  });
  command('pqOrchestrator.rerunFailed', async (n?: Node) => {
    const uri = await configUri(n);
    if (uri) await runs.start(uri, 'rerun-failed');
  });
  command('pqOrchestrator.resume', async (n?: Node) => {
    const uri = await configUri(n);
    if (uri) await runs.start(uri, 'resume');
  });
  command('pqOrchestrator.rerunRemaining', async (n?: Node) => {
    const uri = await configUri(n);
    if (uri) await runs.start(uri, 'rerun-remaining');
  });
  command('pqOrchestrator.openWorkerScript', async (n?: Node) => {
    const script = n?.run.workerScript;
    if (script) await vscode.window.showTextDocument(vscode.Uri.file(script));
  });
  command('pqOrchestrator.openFailedLog', async (n?: Node) => {
    const c = cellOf(n);
    if (!c) return;
    const doc = await vscode.workspace.openTextDocument(logUri(c.run.id, c.view));
    await vscode.window.showTextDocument(doc, { preview: true });
  });
  command('pqOrchestrator.copyQueryName', async (n?: Node) => {
    const c = cellOf(n);
    if (c) await vscode.env.clipboard.writeText(c.view.cell.queryName);
  });
  command('pqOrchestrator.copySerial', async (n?: Node) => {
    const c = cellOf(n);
    if (c?.view.serial) await vscode.env.clipboard.writeText(c.view.serial);
  });
  command('pqOrchestrator.revealConfig', async (n?: Node) => {
    if (n) await vscode.window.showTextDocument(vscode.Uri.file(n.run.configFile));
  });
  command('pqOrchestrator.manageCredentials', async () => {
    const stored = credentials.stored();
    if (!stored.length) return void vscode.window.showInformationMessage('PQ Orchestrator: no stored credentials.');
    const pick = await vscode.window.showQuickPick(stored.map((c) => ({ label: c.variable, description: `${c.server}${c.username ? ` · user ${c.username}` : ''}`, c })), { title: 'Stored credentials', placeHolder: 'Pick one to change or forget' });
    if (!pick) return;
    const action = await vscode.window.showQuickPick(['Change...', 'Forget'], { title: `${pick.c.variable} for ${pick.c.server}` });
    if (action === 'Forget') {
      await credentials.forgetOne(pick.c.key);
      void vscode.window.showInformationMessage(`Forgot ${pick.c.variable} for ${pick.c.server}; it is asked for again at the next run.`);
    } else if (action === 'Change...' && (await credentials.change(pick.c))) void vscode.window.showInformationMessage(`${pick.c.variable} for ${pick.c.server} changed.`);
  });
  command('pqOrchestrator.forgetCredentials', async () => {
    const n = await credentials.forget();
    void vscode.window.showInformationMessage(n ? `Forgot ${n} stored credential${n === 1 ? '' : 's'}.` : 'No stored credentials.');
  });
  command('pqOrchestrator.loadHistory', () => loadHistory(files, store, (f) => attached.attach(f)));
  command('pqOrchestrator.clearFinishedRuns', () => {
    const finished = store.runs.filter((r) => r.phase === 'finished');
    if (!finished.length) return void vscode.window.showInformationMessage('PQ Orchestrator: no finished runs to clear.');
    for (const r of finished) store.remove(r);
  });
  command('pqOrchestrator.openGrid', async (arg?: Node | { runId: string } | vscode.Uri) => {
    let run;
    if (arg && 'run' in arg) run = arg.run;
    else if (arg && 'runId' in arg) run = gridRunFor(store, undefined, arg.runId);
    else {
      const uri = arg instanceof vscode.Uri ? arg : await configUri();
      if (!uri) return;
      try {
        run = gridRunFor(store, uri.fsPath);
      } catch (e) {
        return void vscode.window.showErrorMessage(`PQ Orchestrator: cannot load the last run of ${vscode.workspace.asRelativePath(uri)}: ${(e as Error).message}`);
      }
      if (!run) return void vscode.window.showInformationMessage(`PQ Orchestrator: ${vscode.workspace.asRelativePath(uri)} has no run yet (or its config changed since the last one): run it first.`);
    }
    // From the palette or an editor: the config's latest run, followed as new runs start.
    if (run) grids.open(run, { follow: !(arg && ('run' in arg || 'runId' in arg)) });
  });
  // One recorded run of a config (any of them, not only the newest the Runs view keeps): into the view, its grid opened.
  command('pqOrchestrator.openRecordedRun', async (arg?: vscode.Uri | Node, runId?: string) => {
    const uri = await configUri(arg);
    const run = uri ? await openRecordedRun(store, uri, typeof runId === 'string' ? runId : undefined) : undefined;
    if (run) grids.open(run);
    return run?.id;
  });
  // The status bar's click: no arguments (a command with arguments is re-registered at every redraw, and a click
  // during a busy run could reach one already gone: "command not found").
  command('pqOrchestrator.openStatusRunGrid', () => {
    const run = statusRun(store);
    if (run) grids.open(run);
  });
  command('pqOrchestrator.showFailuresOnly', () => {
    tree.setFailuresOnly(true);
    keys.update();
  });
  command('pqOrchestrator.showAllCells', () => {
    tree.setFailuresOnly(false);
    keys.update();
  });
  return out;
}
