import * as vscode from 'vscode';
import { describeOwner } from '../../record/owner';
import { progressOf } from '../../runModel/runState';
import type { RunView } from './runStore';

const SEEN = 'pqOrchestrator.interruptedNoticed';

/**
 * Says once per run (remembered in the workspace) that a run was interrupted: which run, how far it got, and for a
 * server run how many queries it had going; offers Resume (in a trusted workspace) and the grid.
 */
export function interruptedNotice(memento: vscode.Memento, act: { resume(configFile: string): void; openGrid(runId: string): void }): (run: RunView, live: number) => void {
  return (run, live) => {
    const seen = memento.get<string[]>(SEEN, []);
    if (seen.includes(run.id)) return;
    void memento.update(SEEN, [...seen.slice(-199), run.id]);
    const p = progressOf(run.state.counts);
    const who = run.owner ? describeOwner(run.owner) : 'the process that ran it';
    const server = run.backend === 'dhe' && live ? ` ${live} of its queries were being created or running then; they may still be on the server, and Resume adopts those that are.` : '';
    const text = `${run.name}: run ${run.id} was interrupted: ${who} ended before the run did, with ${p.succeeded} of ${p.total} cells succeeded and ${p.failed} failed.${server}`;
    const actions = vscode.workspace.isTrusted ? ['Resume', 'Open Grid'] : ['Open Grid'];
    void vscode.window.showWarningMessage(text, ...actions).then((b) => {
      if (b === 'Resume') act.resume(run.configFile);
      if (b === 'Open Grid') act.openGrid(run.id);
    });
  };
}
