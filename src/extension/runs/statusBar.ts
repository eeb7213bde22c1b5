import * as vscode from 'vscode';
import { RefreshScheduler } from '../refresh';
import type { RunStore } from './runStore';
import { statusText } from './statusText';

/** The status bar item: the newest run (a running one first), redrawn from the store at most every 100 ms. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pqOrchestrator.status', vscode.StatusBarAlignment.Left, 50);
  private readonly scheduler = new RefreshScheduler<'status'>(() => this.render());
  private readonly off: () => void;

  constructor(private readonly store: RunStore) {
    this.item.name = 'PQ Orchestrator';
    this.off = store.onDidChange(() => this.scheduler.mark('status'));
    this.render();
  }

  /** What it shows now (for tests). */
  get text(): string | undefined {
    return this.item.text || undefined;
  }

  render(): void {
    const run = this.store.runs.find((r) => r.phase !== 'finished') ?? this.store.runs[0];
    const s = run ? statusText(run, this.store.counts(run)) : undefined;
    if (!s) {
      this.item.text = '';
      this.item.hide();
      return;
    }
    this.item.text = s.text;
    this.item.tooltip = `${s.tooltip}\nClick to open the Run Grid.`;
    this.item.command = { command: 'pqOrchestrator.openGrid', title: 'Open Run Grid', arguments: [{ runId: run.id }] };
    this.item.show();
  }

  dispose(): void {
    this.off();
    this.scheduler.dispose();
    this.item.dispose();
  }
}
