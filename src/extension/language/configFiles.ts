import * as vscode from 'vscode';

import { looksLikeConfig } from '../../config/recognize';


/**
 * Which documents are orchestration configs: YAML files matching the `pqOrchestrator.configGlobs` setting whose
 * content looks like one, so unrelated config.yaml files are left alone.
 */
export class ConfigFiles implements vscode.Disposable {
  private globs: string[] = [];
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor() {
    this.read();
    this.sub = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('pqOrchestrator.configGlobs')) {
        this.read();
        this.emitter.fire();
      }
    });
  }

  private read(): void {
    this.globs = vscode.workspace.getConfiguration('pqOrchestrator').get<string[]>('configGlobs', ['**/config.yaml', '**/*.pqo.yaml']);
  }

  matchesName(doc: vscode.TextDocument): boolean {
    if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled' && doc.uri.scheme !== 'vscode-remote') return false;
    return this.globs.some((g) => vscode.languages.match({ pattern: g }, doc) > 0);
  }

  isConfig(doc: vscode.TextDocument): boolean {
    return (doc.languageId === 'yaml' || doc.fileName.endsWith('.yaml') || doc.fileName.endsWith('.yml')) && this.matchesName(doc) && looksLikeConfig(doc.getText());
  }

  /** Every config in the workspace: files matching the globs whose content looks like a config. */
  async findAll(): Promise<vscode.Uri[]> {
    const seen = new Map<string, vscode.Uri>();
    for (const g of this.globs) for (const u of await vscode.workspace.findFiles(g, '**/node_modules/**', 500)) seen.set(u.toString(), u);
    const out: vscode.Uri[] = [];
    for (const u of seen.values()) {
      try {
        if (looksLikeConfig(Buffer.from(await vscode.workspace.fs.readFile(u)).toString('utf8'))) out.push(u);
      } catch {
        /* unreadable: not ours */
      }
    }
    return out.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}
