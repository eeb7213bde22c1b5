import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';

/**
 * Puts `pq-orchestrator` on the integrated terminal's PATH (new terminals), running on the editor's own runtime:
 * the CLI comes with the extension. Returns the folder added.
 */
export function cliOnTerminalPath(context: vscode.ExtensionContext): string {
  const dir = path.join(context.extensionPath, 'bin', 'terminal');
  try {
    fs.chmodSync(path.join(dir, 'pq-orchestrator'), 0o755); // a package may not keep the executable bit
  } catch {
    /* read-only install: it was packaged executable, or the terminal falls back to `node bin/pq-orchestrator.js` */
  }
  const env = context.environmentVariableCollection;
  env.description = 'Adds pq-orchestrator (the PQ Orchestrator command line) to PATH.';
  env.prepend('PATH', dir + path.delimiter);
  env.replace('PQO_NODE', process.execPath);
  return dir;
}
