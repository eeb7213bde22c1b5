import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { logFileOf, type CellView, type RunStore } from './runStore';

export const LOG_SCHEME = 'pqo-log';

/** `earlier`: the cell as an earlier run left it, in the config's latest picture over this run (`RunView.latest`). */
export function logUri(runId: string, v: CellView, earlier = false): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${v.cell.queryName}.log`, query: `run=${encodeURIComponent(runId)}&cell=${v.cell.index}${earlier ? '&latest=1' : ''}` });
}

/** A cell's log as a read-only document: a failure's detail (for a failed cell), then the worker's own log. */
export class FailedLogProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly store: RunStore) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    const q = new URLSearchParams(uri.query);
    const run = this.store.find(q.get('run') ?? '');
    const cell = Number(q.get('cell'));
    const earlier = q.get('latest') === '1' ? run?.latest : undefined;
    const v = earlier ? earlier.state.cells.get(cell) : run?.byIndex.get(cell);
    if (!run || !v) return 'This run is no longer known.';
    const lines = [
      `${v.cell.queryName}`,
      ...(earlier ? [`from run ${earlier.runOf(cell) ?? '(unknown)'}, an earlier run of this config (run ${run.id} did not run this cell)`] : []),
      // A local run's serials are its own bookkeeping (the tree hides them too); a Deephaven serial is looked up.
      `date ${v.cell.date}, partition ${v.cell.partition}, attempt ${v.attempt}${v.serial && run.backend !== 'local' ? `, serial ${v.serial}` : ''}`,
      `state ${v.state}${v.status ? ` (last status ${v.status})` : ''}`,
      `worker script ${run.workerScript}`,
    ];
    if (v.state === 'failed' || v.detail) lines.push('', '--- failure detail ---', v.detail ?? '(none)');
    const logFile = earlier ? earlier.logOf(v) : logFileOf(run, v);
    if (logFile) {
      lines.push('', `--- worker log: ${logFile} ---`);
      try {
        lines.push(fs.readFileSync(logFile, 'utf8'));
      } catch (e) {
        lines.push(`(cannot read it: ${(e as Error).message})`);
      }
    }
    return lines.join('\n');
  }
}

/** In a failed log, `File "/path/worker.py", line 12` opens that line. */
export class TracebackLinks implements vscode.DocumentLinkProvider {
  provideDocumentLinks(doc: vscode.TextDocument): vscode.DocumentLink[] {
    const links: vscode.DocumentLink[] = [];
    const text = doc.getText();
    for (const m of text.matchAll(/File "([^"<>]+)", line (\d+)/g)) {
      const start = (m.index ?? 0) + 6;
      const target = vscode.Uri.file(m[1]).with({ fragment: `L${m[2]}` });
      const link = new vscode.DocumentLink(new vscode.Range(doc.positionAt(start), doc.positionAt(start + m[1].length)), target);
      link.tooltip = `Open ${m[1]} at line ${m[2]}`;
      links.push(link);
    }
    return links;
  }
}
