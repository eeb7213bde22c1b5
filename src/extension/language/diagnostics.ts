import * as vscode from 'vscode';
import type { Problem } from '../../config/problem';
import type { Analyses } from './analyses';
import type { ConfigFiles } from './configFiles';
import { plain } from '../plainText';

export const SOURCE = 'pq-orchestrator';

export function toDiagnostic(doc: vscode.TextDocument, p: Problem): vscode.Diagnostic {
  const range = new vscode.Range(doc.positionAt(p.start), doc.positionAt(Math.max(p.end, p.start)));
  const d = new vscode.Diagnostic(range, plain(p.message), p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  d.source = SOURCE;
  d.code = p.code;
  return d;
}

/**
 * Problems as you type (debounced), on open and on save. With the Red Hat YAML extension active, YAML syntax
 * problems are left to it so none shows twice; everything about the config's meaning stays ours.
 */
export class Diagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection(SOURCE);
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subs: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires after a document's diagnostics were set (tests and benchmarks wait on it). */
  readonly onDidUpdate = this.changed.event;

  constructor(private readonly files: ConfigFiles, private readonly analyses: Analyses, private readonly delayMs = 150) {
    this.subs.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidSaveTextDocument((d) => this.update(d)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.analyses.forget(d);
      }),
      files.onDidChange(() => this.refreshAll()),
      vscode.extensions.onDidChange(() => this.refreshAll()),
    );
    this.refreshAll();
  }

  refreshAll(): void {
    this.analyses.clear();
    for (const d of vscode.workspace.textDocuments) this.update(d);
  }

  private schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.update(doc);
    }, this.delayMs));
  }

  update(doc: vscode.TextDocument): void {
    if (!this.files.isConfig(doc)) {
      if (this.collection.has(doc.uri)) this.collection.delete(doc.uri);
      return;
    }
    const yamlExtension = vscode.extensions.getExtension('redhat.vscode-yaml');
    const problems = this.analyses.get(doc).problems.filter((p) => !(yamlExtension?.isActive && p.code === 'syntax'));
    this.collection.set(doc.uri, problems.map((p) => toDiagnostic(doc, p)));
    this.changed.fire(doc.uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subs) s.dispose();
    this.collection.dispose();
    this.changed.dispose();
  }
}
