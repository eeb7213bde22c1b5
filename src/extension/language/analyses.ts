import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { analyzeConfig, type ConfigAnalysis } from '../../config/validate';
import type { BackendName } from '../../config/types';

/** One analysis per document version, shared by diagnostics, hover, completion, code actions and lenses. */
export class Analyses {
  private readonly cache = new Map<string, { version: number; analysis: ConfigAnalysis }>();

  /** `stored`: the variables the user has stored values for (credentials), which are not reported as unset. */
  constructor(private readonly backend: () => BackendName | undefined, private readonly stored: () => ReadonlySet<string> = () => new Set()) {}

  get(doc: vscode.TextDocument): ConfigAnalysis {
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version) return hit.analysis;
    const analysis = analyzeConfig(doc.getText(), {
      file: doc.uri.fsPath,
      purpose: 'edit',
      backend: this.backend(),
      stored: this.stored(),
      isFile: (p) => {
        // An unsaved editor counts as the file existing.
        if (vscode.workspace.textDocuments.some((d) => d.uri.fsPath === p)) return true;
        try {
          return fs.statSync(p).isFile();
        } catch {
          return false;
        }
      },
    });
    this.cache.set(key, { version: doc.version, analysis });
    return analysis;
  }

  forget(doc: vscode.TextDocument): void {
    this.cache.delete(doc.uri.toString());
  }

  clear(): void {
    this.cache.clear();
  }
}
