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
    reveal(c.run, 5);
  });
  const timers = new Set<NodeJS.Timeout>();
  // The view can refuse a reveal while it is still refreshing the run's rows (a busy extension host): tried again
  // a little later, a few times, rather than silently not revealed.
  const reveal = (run: Parameters<RunTreeProvider['firstFailure']>[0], tries: number): void => {
    const node = tree.firstFailure(run);
    if (!node) return;
    void Promise.resolve(view.reveal(node, { select: true, focus: false, expand: true })).catch(() => {
      if (tries <= 1 || !store.find(run.id)) return;
      const t = setTimeout(() => (timers.delete(t), reveal(run, tries - 1)), 500);
      timers.add(t);
    });
  };
  return { dispose: () => (off(), timers.forEach(clearTimeout)) };
}
