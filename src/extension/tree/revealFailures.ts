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
    reveal(c.run, REVEAL_TRIES, view.selection);
  });
  const timers = new Set<NodeJS.Timeout>();
  // A reveal can fail two ways, and both were seen in the test suites on a busy machine: the view refuses it until the
  // workbench has asked for the run's rows (the promise is rejected), or the workbench, its rows being refreshed at
  // that moment, does not find them and selects nothing (the promise resolves). So success is the cell being
  // selected; otherwise tried again every half second for up to 30 s, unless the user has selected something since.
  const reveal = (run: Parameters<RunTreeProvider['firstFailure']>[0], tries: number, before: readonly Node[]): void => {
    const node = tree.firstFailure(run);
    if (!node) return;
    const again = (): void => {
      const userMoved = view.selection.length > 0 && !sameNodes(view.selection, before);
      if (tries <= 1 || userMoved || !store.find(run.id)) return;
      const t = setTimeout(() => (timers.delete(t), reveal(run, tries - 1, before)), 500);
      timers.add(t);
    };
    void Promise.resolve(view.reveal(node, { select: true, focus: false, expand: true })).then(() => {
      if (!view.selection.includes(node)) again();
    }, again);
  };
  return { dispose: () => (off(), timers.forEach(clearTimeout)) };
}

function sameNodes(a: readonly Node[], b: readonly Node[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}
