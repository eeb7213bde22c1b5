import * as vscode from 'vscode';

/** The starting points New Config offers: working examples shipped with the extension (examples/ in the package). */
export const STARTERS = [
  { id: 'local', label: 'Local: runs on this machine, no server needed', detail: '5 weekdays × 4 partitions of a small Python backtest; results in results/', folder: 'local_quickstart', files: ['config.yaml', 'worker.py', 'analyze_results.py', 'README.md'] },
  { id: 'replay', label: 'Deephaven Enterprise: replay (ReplayScript queries)', detail: 'one replayed trading day per date; needs DH_CONNECTION_URL, DH_USERNAME, DH_PASSWORD', folder: 'simple_worker_replay', files: ['config.yaml', 'simple_worker_replay.py', 'README.md'] },
  { id: 'batch', label: 'Deephaven Enterprise: batch (RunAndDone queries)', detail: 'one historical job per date; needs DH_CONNECTION_URL, DH_USERNAME, DH_PASSWORD', folder: 'simple_worker_batch', files: ['config.yaml', 'simple_worker_batch.py', 'README.md'] },
] as const;

export type StarterId = (typeof STARTERS)[number]['id'];

/**
 * Scaffolds a working config and its worker into the workspace (the folder itself when it has no config.yaml yet,
 * else a new subfolder) and opens the config. Never overwrites a file. Returns the new config, or undefined.
 */
export async function newConfig(extensionUri: vscode.Uri, kind?: StarterId): Promise<vscode.Uri | undefined> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!root) {
    const open = await vscode.window.showInformationMessage('PQ Orchestrator: open a folder first; the new config and its worker are created in it.', 'Open Folder');
    if (open) void vscode.commands.executeCommand('workbench.action.files.openFolder');
    return undefined;
  }
  const starter = kind ? STARTERS.find((s) => s.id === kind) : await vscode.window.showQuickPick(STARTERS.map((s) => ({ ...s, description: undefined })), { title: 'PQ Orchestrator: New Config', placeHolder: 'Where will the cells run?' });
  if (!starter) return undefined;
  const target = (await exists(vscode.Uri.joinPath(root, 'config.yaml'))) ? await freeFolder(root, starter.folder) : root;
  for (const f of starter.files) {
    const to = vscode.Uri.joinPath(target, f);
    if (await exists(to)) continue; // never overwrite the user's file
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(extensionUri, 'examples', starter.folder, f), to);
  }
  const config = vscode.Uri.joinPath(target, 'config.yaml');
  // Not a preview: it must not take the place of the walkthrough tab it was started from (a preview tab is reused).
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(config), { preview: false });
  const next = starter.id === 'local' ? 'Press Dry run above the config, then Run.' : 'Set DH_CONNECTION_URL, DH_USERNAME and DH_PASSWORD (or answer the prompts), then Check server.';
  void vscode.window.showInformationMessage(`PQ Orchestrator: created ${vscode.workspace.asRelativePath(config)}. ${next}`);
  return config;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function freeFolder(root: vscode.Uri, base: string): Promise<vscode.Uri> {
  for (let i = 1; ; i++) {
    const candidate = vscode.Uri.joinPath(root, i === 1 ? base : `${base}_${i}`);
    if (!(await exists(candidate))) return candidate;
  }
}
