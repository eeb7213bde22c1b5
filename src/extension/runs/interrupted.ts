import * as vscode from 'vscode';
import { describeOwner } from '../../record/owner';
import { progressOf } from '../../runModel/runState';
import type { RunView } from './runStore';
import type { Credentials } from './credentials';
import * as path from 'node:path';
import { loadPlan } from '../../plan/load';
import { liveQueriesOf } from '../../session/liveQueries';
import { credentialsFor } from './loadForRun';

const SEEN = 'pqOrchestrator.interruptedNoticed';

/**
 * Says once per run (remembered in the workspace) that a run was interrupted: which run, how far it got, and for a
 * server run how many queries it had going; offers Resume (in a trusted workspace) and the grid.
 */
export function interruptedNotice(memento: vscode.Memento, act: { resume(configFile: string): void; openGrid(runId: string): void; aliveOnServer(run: RunView, serials: string[]): Promise<string>; noted(run: RunView): void }): (run: RunView, live: string[]) => void {
  return (run, live) => {
    const seen = memento.get<string[]>(SEEN, []);
    if (seen.includes(run.id)) return;
    void memento.update(SEEN, [...seen.slice(-199), run.id]);
    void (async () => {
      const p = progressOf(run.state.counts);
      const who = run.owner ? describeOwner(run.owner) : 'the process that ran it';
      // For a server run: how many of the queries it had going are still alive there (asked, when it can be).
      const server = run.backend === 'dhe' && live.length ? ` ${await act.aliveOnServer(run, live)}` : '';
      const text = `${run.name}: run ${run.id} was interrupted: ${who} ended before the run did, with ${p.succeeded} of ${p.total} cells succeeded and ${p.failed} failed.${server}`;
      // Kept where it can be read again once the notification has gone: the run's row's tooltip.
      run.interruptedNote = text.slice(run.name.length + 2);
      act.noted(run);
      const actions = vscode.workspace.isTrusted ? ['Resume', 'Open Grid'] : ['Open Grid'];
      const b = await vscode.window.showWarningMessage(text, ...actions);
      if (b === 'Resume') act.resume(run.configFile);
      if (b === 'Open Grid') act.openGrid(run.id);
    })();
  };
}

/**
 * "2 of its 3 queries are still running on the server; Resume adopts them." Logs in with what the environment and
 * the stored credentials give (nobody is asked); says why not when it cannot.
 */
export async function aliveOnServer(run: RunView, serials: string[], credentials: Credentials): Promise<string> {
  const going = `${serials.length} of its queries were being created or running then`;
  if (!vscode.workspace.isTrusted) return `${going}; they may still be on the server.`;
  const extra = await credentialsFor(run.configFile, credentials, { backend: 'dhe', ask: false });
  const loaded = extra ? loadPlan(run.configFile, { purpose: 'run', backend: 'dhe', env: { ...process.env, ...extra } }) : undefined;
  if (loaded?.kind !== 'plan') return `${going}; they may still be on the server (not asked: its credentials are not stored).`;
  const r = await liveQueriesOf(loaded.plan, run.id, serials, { runDir: run.recordFile ? path.dirname(run.recordFile) : '' });
  if ('error' in r) return `${going}; they may still be on the server (could not ask it: ${r.error}).`;
  return r.alive ? `${r.alive} of its ${serials.length} queries are still running on the server; Resume adopts them.` : `None of its ${serials.length} queries is still running on the server.`;
}
