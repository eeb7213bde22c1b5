import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackendName } from '../config/types';
import { Analyses } from './language/analyses';
import { ConfigFiles } from './language/configFiles';
import { Diagnostics } from './language/diagnostics';
import { CodeActionProvider, CompletionProvider, HoverProvider, LensProvider, LinkProvider } from './language/providers';
import { Credentials } from './runs/credentials';
import { registerCommands } from './commands';
import { GridPanels } from './grid/gridPanel';
import { gridActions } from './grid/openGrid';
import { ContextKeys, setContextKey } from './contextKeys';
import { cliOnTerminalPath } from './terminalPath';
import { revealFailures } from './tree/revealFailures';
import { FailedLogProvider, LOG_SCHEME, TracebackLinks } from './runs/failedLog';
import { loadHistory } from './runs/history';
import { RunManager } from './runs/runManager';
import { AttachedRuns, watchRunRecords } from './runs/attached';
import { aliveOnServer, interruptedNotice } from './runs/interrupted';
import { runInBackground } from './runs/background';
import { RunStore } from './runs/runStore';
import { StatusBar } from './runs/statusBar';
import { FailureBadge } from './tree/badge';
import { RunTreeProvider, type Node } from './tree/runTree';

/** What the extension exposes to its own tests. */
export interface PqoApi {
  store: RunStore;
  runs: RunManager;
  tree: RunTreeProvider;
  view: vscode.TreeView<Node>;
  diagnostics: Diagnostics;
  analyses: Analyses;
  lenses: LensProvider;
  credentials: Credentials;
  status: StatusBar;
  keys: ContextKeys;
  /** The context keys as last set (VS Code cannot be asked for them): the `when` clauses' inputs, for tests to read. */
  contextKeys: ReadonlyMap<string, boolean>;
  grids: GridPanels;
  /** Runs other processes run, followed through their records. */
  attached: AttachedRuns;
  /** The folder put on the integrated terminal's PATH, holding `pq-orchestrator`. */
  cliDir: string;
  activatedInMs: number;
}

function backendSetting(): BackendName | undefined {
  const b = vscode.workspace.getConfiguration('pqOrchestrator').get<string>('backend', 'auto');
  return b === 'local' || b === 'dhe' ? b : undefined;
}

/**
 * The composition root: builds everything in order and disposes it in reverse (VS Code disposes
 * context.subscriptions in insertion order, which would close the output channel before the runs writing to it).
 */
export function activate(context: vscode.ExtensionContext): PqoApi {
  const t0 = performance.now();
  const owned: vscode.Disposable[] = [];
  context.subscriptions.push({ dispose: () => disposeInReverse(owned) });
  const own = <T extends vscode.Disposable>(d: T): T => {
    owned.push(d);
    return d;
  };

  const log = own(vscode.window.createOutputChannel('PQ Orchestrator', { log: true }));
  const files = own(new ConfigFiles());
  const credentials = new Credentials(context.secrets, context.globalState);
  const analyses = new Analyses(backendSetting, () => credentials.storedVariables());
  const diagnostics = own(new Diagnostics(files, analyses));
  // A credential stored (or forgotten) changes which variables are unset.
  own(credentials.onDidChange(() => {
    analyses.clear();
    diagnostics.refreshAll();
  }));
  const yaml: vscode.DocumentSelector = [{ language: 'yaml' }, { pattern: '**/*.{yaml,yml}' }];
  const lenses = own(new LensProvider(files, analyses));
  own(diagnostics.onDidUpdate(() => lenses.refresh()));
  own(vscode.languages.registerHoverProvider(yaml, new HoverProvider(files, analyses)));
  own(vscode.languages.registerCompletionItemProvider(yaml, new CompletionProvider(files, analyses), ':', ' '));
  own(vscode.languages.registerCodeActionsProvider(yaml, new CodeActionProvider(files, analyses), { providedCodeActionKinds: CodeActionProvider.kinds }));
  own(vscode.languages.registerDocumentLinkProvider(yaml, new LinkProvider(files, analyses)));
  own(vscode.languages.registerCodeLensProvider(yaml, lenses));

  const store = new RunStore();
  const runs = own(new RunManager(store, credentials, log, backendSetting, {
    // Called only after activation, when `grids` exists.
    openGrid: (runId) => {
      const run = store.find(runId);
      if (run) grids.open(run);
    },
    showRecordedRuns: () => void loadHistory(files, store, attach),
    showRuns: () => void vscode.commands.executeCommand('pqOrchestrator.runs.focus'), // the workbench's own command for our view
  }));
  const attached = own(new AttachedRuns(store, {
    log,
    finished: (configFile, name, summary, runId) => runs.notifyFinished(vscode.Uri.file(configFile), name, summary, runId),
    interrupted: interruptedNotice(context.workspaceState, {
      aliveOnServer: (run, serials) => aliveOnServer(run, serials, credentials),
      noted: (run) => store.touch(run),
      resume: (configFile) => void runs.start(vscode.Uri.file(configFile), 'resume'),
      openGrid: (runId) => {
        const run = store.find(runId);
        if (run) grids.open(run);
      },
    }),
  }));
  const attach = (file: string) => attached.attach(file);
  const recordWatch = own(watchRunRecords(attached, (runId) => runs.active.has(runId), files, log));
  // A run that ended changes its config's forecast: the CodeLens tooltip is asked for again.
  const offLens = store.onDidChange((c) => {
    if (c.run.phase === 'finished' && c.cell === undefined && c.dates.size === 0) lenses.refresh();
  });
  own({ dispose: offLens });
  const status = own(new StatusBar(store));
  const tree = own(new RunTreeProvider(store));
  const view = own(vscode.window.createTreeView('pqOrchestrator.runs', { treeDataProvider: tree, showCollapseAll: true }));
  own(view.onDidChangeVisibility((e) => tree.scheduler.setVisible(e.visible)));
  own(new FailureBadge(store, view));
  own(vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, new FailedLogProvider(store)));
  own(vscode.languages.registerDocumentLinkProvider({ scheme: LOG_SCHEME }, new TracebackLinks()));
  own(vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('pqOrchestrator.backend')) diagnostics.refreshAll();
  }));
  const contextKeys = new Map<string, boolean>();
  const keys = own(new ContextKeys(store, runs, tree, files, (k, v) => {
    contextKeys.set(k, v);
    setContextKey(k, v);
  }));
  own(revealFailures(store, tree, view));
  const grids = own(new GridPanels(context.extensionUri, store, gridActions(runs)));
  for (const d of registerCommands({ extensionUri: context.extensionUri, files, store, runs, attached, background: (uri) => runInBackground(uri, { credentials, backend: backendSetting(), cliScript: path.join(context.extensionPath, 'bin', 'pq-orchestrator.js'), log }), credentials, tree, keys, grids })) own(d);
  // The last recorded run of each config, CLI runs included, without delaying activation.
  // Runs not ended are followed live, or offered for resume when their owner is gone.
  // One walk of the configs at activation: the records watcher plans them, the last runs are loaded from those plans.
  setTimeout(() => void recordWatch.update().then((plans) => loadHistory(files, store, attach, plans)).catch(() => undefined), 0);

  const cliDir = cliOnTerminalPath(context);
  const api: PqoApi = { store, runs, tree, view, diagnostics, analyses, lenses, credentials, status, keys, contextKeys, grids, attached, cliDir, activatedInMs: 0 };
  api.activatedInMs = performance.now() - t0;
  log.info(`PQ Orchestrator activated in ${api.activatedInMs.toFixed(1)} ms`);
  return api;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions (in reverse order of creation).
}

function disposeInReverse(items: vscode.Disposable[]): void {
  for (const d of items.splice(0).reverse()) {
    try {
      d.dispose();
    } catch {
      /* one failing dispose must not keep the rest alive */
    }
  }
}
