import * as vscode from 'vscode';
import type { BackendName } from '../config/types';
import { Analyses } from './language/analyses';
import { ConfigFiles } from './language/configFiles';
import { Diagnostics } from './language/diagnostics';
import { CodeActionProvider, CompletionProvider, HoverProvider, LensProvider, LinkProvider } from './language/providers';
import { Credentials } from './runs/credentials';
import { FailedLogProvider, LOG_SCHEME, logUri, TracebackLinks } from './runs/failedLog';
import { loadHistory } from './runs/history';
import { RunManager } from './runs/runManager';
import { RunStore } from './runs/runStore';
import { RunTreeProvider, type Node } from './tree/runTree';

/** What the extension exposes to its own tests. */
export interface PqoApi {
  store: RunStore;
  runs: RunManager;
  tree: RunTreeProvider;
  view: vscode.TreeView<Node>;
  diagnostics: Diagnostics;
  analyses: Analyses;
  credentials: Credentials;
  activatedInMs: number;
}

function backendSetting(): BackendName | undefined {
  const b = vscode.workspace.getConfiguration('pqOrchestrator').get<string>('backend', 'auto');
  return b === 'local' || b === 'dhe' ? b : undefined;
}

/**
 * The composition root: builds everything in order, registers it in one disposable list, and VS Code disposes
 * it in reverse when the extension deactivates.
 */
export function activate(context: vscode.ExtensionContext): PqoApi {
  const t0 = performance.now();
  const subs = context.subscriptions;
  const own = <T extends vscode.Disposable>(d: T): T => {
    subs.push(d);
    return d;
  };

  const log = own(vscode.window.createOutputChannel('PQ Orchestrator', { log: true }));
  const files = own(new ConfigFiles());
  const analyses = new Analyses(backendSetting);
  const diagnostics = own(new Diagnostics(files, analyses));
  const yaml: vscode.DocumentSelector = [{ language: 'yaml' }, { pattern: '**/*.{yaml,yml}' }];
  const lenses = own(new LensProvider(files, analyses));
  own(diagnostics.onDidUpdate(() => lenses.refresh()));
  own(vscode.languages.registerHoverProvider(yaml, new HoverProvider(files)));
  own(vscode.languages.registerCompletionItemProvider(yaml, new CompletionProvider(files, analyses), ':', ' '));
  own(vscode.languages.registerCodeActionsProvider(yaml, new CodeActionProvider(files, analyses), { providedCodeActionKinds: CodeActionProvider.kinds }));
  own(vscode.languages.registerDocumentLinkProvider(yaml, new LinkProvider(files, analyses)));
  own(vscode.languages.registerCodeLensProvider(yaml, lenses));

  const store = new RunStore();
  const credentials = new Credentials(context.secrets, context.globalState);
  const runs = own(new RunManager(store, credentials, log, backendSetting));
  const tree = own(new RunTreeProvider(store));
  const view = own(vscode.window.createTreeView('pqOrchestrator.runs', { treeDataProvider: tree, showCollapseAll: true }));
  own(view.onDidChangeVisibility((e) => tree.scheduler.setVisible(e.visible)));
  const updateBadge = () => {
    const failed = store.failures();
    view.badge = failed ? { value: failed, tooltip: `${failed} failed partition${failed === 1 ? '' : 's'}` } : undefined;
  };
  const offBadge = store.onDidChange(() => updateBadge());
  own({ dispose: offBadge });
  own(vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, new FailedLogProvider(store)));
  own(vscode.languages.registerDocumentLinkProvider({ scheme: LOG_SCHEME }, new TracebackLinks()));
  own(vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('pqOrchestrator.backend')) diagnostics.refreshAll();
  }));

  const configUri = async (arg?: unknown): Promise<vscode.Uri | undefined> => {
    if (arg instanceof vscode.Uri) return arg;
    const node = arg as Node | undefined;
    if (node && 'run' in node) return vscode.Uri.file(node.run.configFile);
    const editor = vscode.window.activeTextEditor;
    if (editor && files.isConfig(editor.document)) return editor.document.uri;
    const candidates = await files.findAll();
    if (candidates.length === 1) return candidates[0];
    if (candidates.length === 0) {
      void vscode.window.showWarningMessage('No orchestration config found. Open a config.yaml (see the pqOrchestrator.configGlobs setting).');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(candidates.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })), { placeHolder: 'Which config?' });
    return pick?.uri;
  };
  const cellOf = (n?: Node) => (n && n.kind === 'cell' ? n : undefined);

  const command = (id: string, fn: (...args: never[]) => unknown) => own(vscode.commands.registerCommand(id, fn));
  command('pqOrchestrator.run', async (arg?: unknown) => {
    const uri = await configUri(arg);
    if (uri) await runs.start(uri, 'new');
  });
  command('pqOrchestrator.dryRun', async (arg?: unknown) => {
    const uri = await configUri(arg);
    if (uri) await runs.dryRun(uri);
  });
  command('pqOrchestrator.checkServer', async (arg?: unknown) => {
    const uri = await configUri(arg);
    if (uri) await runs.checkServer(uri);
  });
  command('pqOrchestrator.stop', (n?: Node) => runs.stop(n?.run.id));
  command('pqOrchestrator.rerunFailed', async (n?: Node) => {
    const uri = await configUri(n);
    if (uri) await runs.start(uri, 'rerun-failed');
  });
  command('pqOrchestrator.resume', async (n?: Node) => {
    const uri = await configUri(n);
    if (uri) await runs.start(uri, 'resume');
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
  command('pqOrchestrator.forgetCredentials', async () => {
    const n = await credentials.forget();
    void vscode.window.showInformationMessage(n ? `Forgot ${n} stored credential${n === 1 ? '' : 's'}.` : 'No stored credentials.');
  });
  command('pqOrchestrator.loadHistory', async () => {
    const n = await loadHistory(files, store);
    updateBadge();
    return n;
  });
  // The last recorded run of each config, CLI runs included, without delaying activation.
  setTimeout(() => void loadHistory(files, store).then(updateBadge, () => undefined), 0);
  command('pqOrchestrator.clearFinishedRuns', () => {
    for (const r of [...store.runs]) if (r.phase === 'finished') store.remove(r);
    updateBadge();
  });

  const api: PqoApi = { store, runs, tree, view, diagnostics, analyses, credentials, activatedInMs: 0 };
  api.activatedInMs = performance.now() - t0;
  log.info(`PQ Orchestrator activated in ${api.activatedInMs.toFixed(1)} ms`);
  return api;
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
