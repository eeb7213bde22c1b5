import * as vscode from 'vscode';
import { progressOf } from '../runModel/runState';
import type { ConfigFiles } from './language/configFiles';
import type { RunManager } from './runs/runManager';
import type { RunStore } from './runs/runStore';
import { RefreshScheduler } from './refresh';
import type { RunTreeProvider } from './tree/runTree';

/** The context keys `when` clauses read, so Stop, Rerun Failed, Resume and Clear appear only when they can act. */
export interface RunContext {
  runActive: boolean;
  runFinished: boolean;
  hasFailures: boolean;
  canResume: boolean;
  failuresOnly: boolean;
  /** The active editor holds an orchestration config (the editor title's Run button shows only then). */
  editorIsConfig: boolean;
}

export function runContext(store: RunStore, activeRuns: number, failuresOnly: boolean, editorIsConfig = false): RunContext {
  const newest = store.runs.find((r) => r.phase === 'finished');
  const c = newest?.state.counts;
  return {
    runActive: activeRuns > 0,
    runFinished: Boolean(newest),
    hasFailures: store.runs.some((r) => r.state.counts.failed > 0),
    canResume: Boolean(c && progressOf(c).resumable),
    failuresOnly,
    editorIsConfig,
  };
}

/** Sets one context key (`pqOrchestrator.<key>`). */
export type SetContext = (key: keyof RunContext, value: boolean) => void;

export const setContextKey: SetContext = (key, value) => void vscode.commands.executeCommand('setContext', `pqOrchestrator.${key}`, value);

/** Keeps the `pqOrchestrator.*` context keys in step with the store (at most every 100 ms), setting only changes. */
export class ContextKeys implements vscode.Disposable {
  private last = new Map<string, boolean>();
  private readonly scheduler = new RefreshScheduler<'keys'>(() => this.update());
  private readonly offs: (() => void)[];

  constructor(private readonly store: RunStore, private readonly runs: RunManager, private readonly tree: RunTreeProvider, private readonly files: ConfigFiles, private readonly set: SetContext = setContextKey) {
    const active = runs.onDidChangeActive(() => this.update());
    const editor = vscode.window.onDidChangeActiveTextEditor(() => this.update());
    // Typing can make a file a config, or stop it being one: checked at most every 100 ms.
    const typed = vscode.workspace.onDidChangeTextDocument((e) => e.document === vscode.window.activeTextEditor?.document && this.scheduler.mark('keys'));
    this.offs = [store.onDidChange(() => this.scheduler.mark('keys')), () => active.dispose(), () => editor.dispose(), () => typed.dispose()];
    this.update();
  }

  update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    // A run followed from its record can be stopped from here too (its owner is asked).
    const following = this.store.runs.filter((r) => r.attached && r.phase !== 'finished').length;
    const ctx = runContext(this.store, this.runs.active.size + following, this.tree.failuresOnly, Boolean(doc && this.files.isConfig(doc)));
    for (const [k, v] of Object.entries(ctx) as [keyof RunContext, boolean][]) {
      if (this.last.get(k) === v) continue;
      this.last.set(k, v);
      this.set(k, v);
    }
  }

  dispose(): void {
    for (const off of this.offs) off();
    this.scheduler.dispose();
  }
}
