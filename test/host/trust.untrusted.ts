// Run with Workspace Trust on and the folder not trusted: validation works, nothing runs.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { PqoApi } from '../../src/extension/extension';

describe('PQ Orchestrator in an untrusted folder', function () {
  this.timeout(60_000);

  it('validates configs but refuses to run them', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the folder is untrusted');
    const api = (await vscode.extensions.getExtension('deephaven-pq-orchestrator.pq-orchestrator')!.activate()) as PqoApi;
    const bad = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'bad', 'config.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(bad));
    const t0 = Date.now();
    while (vscode.languages.getDiagnostics(bad).filter((d) => d.source === 'pq-orchestrator').length < 6) {
      if (Date.now() - t0 > 20_000) throw new Error('no diagnostics in an untrusted folder');
      await new Promise((r) => setTimeout(r, 50));
    }
    const good = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'config.yaml');
    const started = await api.runs.start(good);
    assert.equal(started, undefined, 'nothing runs');
    assert.equal(api.store.runs.filter((r) => r.phase !== 'finished').length, 0);
  });
});
