import * as vscode from 'vscode';
import type { BackendName } from '../../config/types';
import { loadPlan } from '../../plan/load';
import type { Plan } from '../../plan/plan';
import { plain } from '../plainText';
import type { Credentials } from './credentials';

/**
 * Loads the config (the editor's text when it is open), asking for missing credentials; undefined when it cannot
 * run (the user is told why). Only a run saves an edited config first (its record names the file); a dry run or a
 * server check reads the buffer as it is and never writes the user's file. `given`: the credentials the user gave
 * now (the variables the environment did not set), for a run in another process.
 */
export async function loadForRun(uri: vscode.Uri, purpose: 'run' | 'dry-run' | 'check-server', credentials: Credentials, backendSetting: BackendName | undefined): Promise<{ plan: Plan; given: Record<string, string> } | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open?.isDirty && purpose === 'run') await open.save();
  const text = open?.getText();
  const backend = purpose === 'check-server' ? 'dhe' : backendSetting;
  let env: NodeJS.ProcessEnv = process.env;
  let given: Record<string, string> = {};
  if (purpose !== 'dry-run') {
    const extra = await credentialsFor(uri.fsPath, credentials, { backend, text, ask: true });
    if (!extra) {
      void vscode.window.showWarningMessage('Run cancelled: a credential was not given.');
      return undefined;
    }
    given = extra;
    env = { ...process.env, ...extra };
  }
  const loaded = loadPlan(uri.fsPath, { purpose: purpose === 'dry-run' ? 'edit' : 'run', backend, env, text });
  if (loaded.kind === 'read-error') {
    void vscode.window.showErrorMessage(`Cannot read ${uri.fsPath}: ${loaded.message}`);
    return undefined;
  }
  if (loaded.kind === 'invalid') {
    const errors = loaded.problems.filter((p) => p.severity === 'error');
    void vscode.window.showErrorMessage(`${vscode.workspace.asRelativePath(uri)} has ${errors.length} problem${errors.length === 1 ? '' : 's'}: ${plain(errors[0]?.message ?? '')}`, 'Show Problems').then((b) => {
      if (b) void vscode.commands.executeCommand('workbench.actions.view.problems');
    });
    return undefined;
  }
  if (loaded.kind === 'script-error') {
    void vscode.window.showErrorMessage(`Cannot read the worker script: ${loaded.message}`);
    return undefined;
  }
  return { plan: loaded.plan, given };
}

/**
 * The credentials a config needs that the environment does not set: the stored ones, and (when `ask`) the others
 * asked for (the core finds which; the editor only prompts). `{}` for a config that does not run on dhe; undefined
 * when one is missing.
 */
export async function credentialsFor(file: string, credentials: Credentials, o: { backend?: BackendName; text?: string; ask: boolean }): Promise<Record<string, string> | undefined> {
  const first = loadPlan(file, { purpose: 'edit', backend: o.backend, text: o.text });
  if (first.kind === 'read-error' || first.backend !== 'dhe') return {};
  const raw = (first.data as { deephaven?: Record<string, unknown> } | null)?.deephaven;
  return raw ? credentials.resolve(raw, process.env, o.ask) : {};
}
