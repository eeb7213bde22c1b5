import type * as vscode from 'vscode';
import { RefreshScheduler } from '../refresh';
import type { RunStore } from '../runs/runStore';

/** The Runs view's badge: the number of failed cells, following the store at most every 100 ms, sent only on change. */
export class FailureBadge implements vscode.Disposable {
  private shown = 0;
  private readonly scheduler = new RefreshScheduler<'badge'>(() => this.render());
  private readonly off: () => void;

  constructor(private readonly store: RunStore, private readonly view: Pick<vscode.TreeView<unknown>, 'badge'>) {
    this.off = store.onDidChange(() => this.scheduler.mark('badge'));
  }

  private render(): void {
    const failed = this.store.failures();
    if (failed === this.shown) return;
    this.shown = failed;
    this.view.badge = failed ? { value: failed, tooltip: `${failed} failed partition${failed === 1 ? '' : 's'}` } : undefined;
  }

  dispose(): void {
    this.off();
    this.scheduler.dispose();
  }
}
