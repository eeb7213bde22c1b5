import type * as vscode from 'vscode';
import type { RunStore } from '../runs/runStore';
import type { Node, RunTreeProvider } from './runTree';

/**
 * When a run watched live ends with failures, reveal and select its first failed cell: at 1,000 cells the few
 * failures would otherwise hide among the green rows. Runs loaded from history are not revealed.
 */
const REVEAL_TRIES = 60;

export function revealFailures(store: RunStore, tree: RunTreeProvider, view: vscode.TreeView<Node>): vscode.Disposable {
  const live = new Set<string>();
  const off = store.onDidChange((c) => {
    if (c.removed) return void live.delete(c.run.id);
    if (c.run.phase !== 'finished') {
      live.add(c.run.id);
      return;
    }
    if (!live.delete(c.run.id) || c.run.state.counts.failed === 0) return;
    reveal(c.run, REVEAL_TRIES);
  });
  const timers = new Set<NodeJS.Timeout>();
  // The view refuses a reveal until the workbench has asked for the run's rows (on a busy machine that took longer
  // than the 2.5 s five tries gave: the failure went unrevealed in 2 of about 8 loaded test runs): tried again every
  // half second for up to 30 s, rather than silently not revealed.
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
