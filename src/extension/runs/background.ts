import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackendName } from '../../config/types';
import type { Credentials } from './credentials';
import { loadForRun } from './loadForRun';

/** Where a background run's first words go, until it has a run folder (then to `output.log` there). */
export function startLogOf(configFile: string, name: string): string {
  return path.join(path.dirname(configFile), '.pq-orchestrator', `background-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.log`);
}

/**
 * "Run in Background": the run is a CLI process of its own, detached from this window (it keeps going when the
 * window closes or reloads); the Runs view attaches to it through its record, as to any run started elsewhere.
 * Credentials the user gave go to it on stdin, never in its environment. Resolves with its pid once started.
 */
export async function runInBackground(uri: vscode.Uri, deps: { credentials: Credentials; backend: BackendName | undefined; cliScript: string; log: vscode.LogOutputChannel }): Promise<number | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage('PQ Orchestrator runs nothing in an untrusted workspace. Trust this folder to run orchestrations; validation keeps working.');
    return undefined;
  }
  const loaded = await loadForRun(uri, 'run', deps.credentials, deps.backend);
  if (!loaded) return undefined;
  const { plan, given } = loaded;
  const startLog = startLogOf(plan.config.file, plan.name);
  fs.mkdirSync(path.dirname(startLog), { recursive: true, mode: 0o700 });
  const out = fs.openSync(startLog, 'w', 0o600);
  const args = [deps.cliScript, '--config', plan.config.file, ...(deps.backend ? ['--backend', deps.backend] : [])];
  const child = spawn(process.execPath, args, {
    cwd: path.dirname(plan.config.file),
    detached: true,
    stdio: ['pipe', out, out],
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', PQO_BACKGROUND: '1', PQO_ENV_ON_STDIN: '1' },
  });
  fs.closeSync(out);
  child.stdin!.on('error', () => undefined); // it may end before reading
  child.stdin!.end(JSON.stringify(given));
  child.unref();
  child.on('exit', (code) => {
    // Once the run has its folder it writes there; anything in the start log means it ended before (a refused start).
    const said = readTail(startLog);
    if (!said) return;
    deps.log.warn(`the background run of ${plan.name} ended (exit ${code}) before it started: ${said}`);
    void vscode.window.showErrorMessage(`PQ Orchestrator: the background run of ${plan.name} did not start: ${said.split('\n').pop()}`, 'Show Log').then((b) => {
      if (b) void vscode.window.showTextDocument(vscode.Uri.file(startLog));
    });
  });
  if (child.pid === undefined) return undefined;
  deps.log.info(`started ${plan.name} in the background (pid ${child.pid}); its output goes to its run folder (output.log)`);
  void vscode.window.showInformationMessage(`${plan.name} runs in the background (pid ${child.pid}): it keeps going if this window closes; the Runs view follows it.`);
  return child.pid;
}

function readTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}
