// Run with an extension carrying the Red Hat YAML extension's id: YAML syntax problems are left to it.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';

describe('PQ Orchestrator beside the Red Hat YAML extension', function () {
  this.timeout(60_000);

  it('leaves YAML syntax problems to it, so none shows twice, and keeps its own', async () => {
    const yaml = vscode.extensions.getExtension('redhat.vscode-yaml');
    assert.ok(yaml, 'the stand-in is installed');
    await yaml.activate();
    await vscode.extensions.getExtension('deephaven-pq-orchestrator.pq-orchestrator')!.activate();
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'bad', 'dup.pqo.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const ours = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'pq-orchestrator');
    const t0 = Date.now();
    while (!ours().some((d) => d.code === 'out-of-range')) {
      if (Date.now() - t0 > 20_000) throw new Error('no diagnostics');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(!ours().some((d) => d.code === 'syntax'), 'the duplicate key is left to the YAML extension');
    assert.equal(doc.getText(ours().find((d) => d.code === 'out-of-range')!.range), '0');
  });
});
