import * as vscode from 'vscode';
import { RefreshScheduler } from '../refresh';
import type { RunStore, RunView } from './runStore';
import { statusText } from './statusText';

/** The command a click runs: without arguments, so it is registered once (see commands.ts). */
export const STATUS_COMMAND = 'pqOrchestrator.openStatusRunGrid';

/** The run the status bar shows: a running one first, else the newest. */
export function statusRun(store: RunStore): RunView | undefined {
  return store.runs.find((r) => r.phase !== 'finished') ?? store.runs[0];
}

/** The status bar item: the newest run (a running one first), redrawn from the store at most every 100 ms. */
export class StatusBar implements vscode.Disposable {
  private readonly scheduler = new RefreshScheduler<'status'>(() => this.render());
  private readonly off: () => void;

  /** `item`: the status bar item it draws on (the extension makes one; its text is what the user sees). */
  constructor(private readonly store: RunStore, readonly item = vscode.window.createStatusBarItem('pqOrchestrator.status', vscode.StatusBarAlignment.Left, 50)) {
    this.item.name = 'PQ Orchestrator';
    this.item.command = STATUS_COMMAND;
    this.off = store.onDidChange(() => this.scheduler.mark('status'));
    this.render();
  }

  render(): void {
    const run = statusRun(this.store);
    const s = run ? statusText(run, this.store.counts(run)) : undefined;
    if (!s) {
      this.item.text = '';
      this.item.hide();
      return;
    }
    this.item.text = s.text;
    this.item.tooltip = `${s.tooltip}\nClick to open the Run Grid.`;
    this.item.show();
  }

  dispose(): void {
    this.off();
    this.scheduler.dispose();
    this.item.dispose();
  }
}
