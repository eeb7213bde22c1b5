import type * as vscode from 'vscode';
import type { RunStore } from '../runs/runStore';
import type { Node, RunTreeProvider } from './runTree';

/**
 * When a run watched live ends with failures, reveal and select its first failed cell: at 1,000 cells the few
 * failures would otherwise hide among the green rows. Runs loaded from history are not revealed.
 */
export function revealFailures(store: RunStore, tree: RunTreeProvider, view: vscode.TreeView<Node>): vscode.Disposable {
  const live = new Set<string>();
  const off = store.onDidChange((c) => {
    if (c.removed) return void live.delete(c.run.id);
    if (c.run.phase !== 'finished') {
      live.add(c.run.id);
      return;
    }
    if (!live.delete(c.run.id) || c.run.state.counts.failed === 0) return;
    const node = tree.firstFailure(c.run);
    if (node) void Promise.resolve(view.reveal(node, { select: true, focus: false, expand: true })).catch(() => undefined);
  });
  return { dispose: off };
}
