// In-editor benchmarks (PQO_HOST_MODE=bench): activation, validation per keystroke, tree refresh under load.
import * as util from 'node:util';
import * as vscode from 'vscode';
import { printTable, percentile } from '../../bench/table';
import type { PqoApi } from '../../src/extension/extension';
import type { RunEvent } from '../../src/orchestrator/events';
import { buildPlan } from '../../src/plan/plan';
import { analyzeConfig } from '../../src/config/validate';

const out = (line: string) => console.log('[pqo-test] ' + util.format(line));

describe('benchmarks in the editor', function () {
  this.timeout(120_000);

  it('measures', async () => {
    const t0 = performance.now();
    const ext = vscode.extensions.getExtension('deephaven-pq-orchestrator.pq-orchestrator')!;
    const api = (await ext.activate()) as PqoApi;
    const activateMs = performance.now() - t0;

    // Validation per keystroke: an edit, then the document's problems updated (debounce excluded, then included).
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'config.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const sync: number[] = [];
    const endToEnd: number[] = [];
    for (let i = 0; i < 40; i++) {
      const edit = new vscode.WorkspaceEdit();
      const pos = doc.positionAt(doc.getText().indexOf('SLEEP_S: "0.2"') + 14);
      edit.insert(uri, pos, i % 2 ? '\n' : '  # k\n');
      const updated = new Promise<void>((r) => {
        const sub = api.diagnostics.onDidUpdate((u) => {
          if (u.toString() === uri.toString()) {
            sub.dispose();
            r();
          }
        });
      });
      const t = performance.now();
      await vscode.workspace.applyEdit(edit);
      await updated;
      endToEnd.push(performance.now() - t);
      api.analyses.forget(doc);
      const s = performance.now();
      api.diagnostics.update(doc);
      sync.push(performance.now() - s);
    }
    await vscode.commands.executeCommand('workbench.action.files.revert');
    sync.sort((a, b) => a - b);
    endToEnd.sort((a, b) => a - b);

    // Tree refresh under 1,000 status events a second for 3 seconds.
    const a = analyzeConfig(doc.getText().replace('num_partitions: 3', 'num_partitions: 500'), { file: uri.fsPath, purpose: 'edit' });
    const plan = buildPlan(a.config!, '');
    await vscode.commands.executeCommand('pqOrchestrator.runs.focus');
    const run = api.store.addRun(plan, 'bench-run');
    for (const cell of plan.cells) api.store.apply(run, { type: 'cell-created', cell, attempt: 1, serial: String(cell.index), adopted: false, at: Date.now() });
    await new Promise((r) => setTimeout(r, 300));
    let fires = 0;
    let itemMs = 0;
    const sub = api.tree.onDidChangeTreeData((items) => {
      fires++;
      const s = performance.now();
      for (const n of Array.isArray(items) ? items : items ? [items] : api.tree.getChildren()) api.tree.getTreeItem(n);
      itemMs += performance.now() - s;
    });
    const statuses = ['AcquiringWorker', 'Initializing', 'Running', 'Completed'];
    let sent = 0;
    let applyMs = 0;
    const tStart = performance.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        for (let k = 0; k < 10; k++) {
          const cell = plan.cells[sent % plan.cells.length];
          const e = { type: 'cell-status', cell, attempt: 1, serial: String(cell.index), status: statuses[Math.floor(sent / plan.cells.length) % 4], at: Date.now() } as RunEvent;
          const s = performance.now();
          api.store.apply(run, e);
          applyMs += performance.now() - s;
          sent++;
        }
        if (performance.now() - tStart >= 3000) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const seconds = (performance.now() - tStart) / 1000;
    await new Promise((r) => setTimeout(r, 200));
    sub.dispose();
    api.store.remove(run);

    printTable('In-editor: activation and validation per keystroke', [
      { measure: 'activation (time inside activate())', 'ms': api.activatedInMs, note: `already active at startup; activate() again: ${activateMs.toFixed(2)} ms` },
      { measure: 'validation on keystroke, p50 (analysis + diagnostics)', 'ms': percentile(sync, 50), note: `40 edits of a ${doc.lineCount}-line config` },
      { measure: 'validation on keystroke, p95', 'ms': percentile(sync, 95), note: '' },
      { measure: 'edit to problems shown, p50 (150 ms debounce included)', 'ms': percentile(endToEnd, 50), note: '' },
      { measure: 'edit to problems shown, p95', 'ms': percentile(endToEnd, 95), note: '' },
    ], out);
    printTable('In-editor: run tree under load', [
      { events: sent, seconds, 'events/s': sent / seconds, 'tree refreshes': fires, 'refreshes/s': fires / seconds, 'µs per event (store)': (applyMs * 1000) / sent, 'tree item ms total': itemMs },
    ], out);
  });
});
