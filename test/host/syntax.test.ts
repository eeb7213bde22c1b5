// Without the Red Hat YAML extension, YAML syntax problems are ours to show.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';

describe('YAML syntax problems without the Red Hat YAML extension', function () {
  this.timeout(60_000);

  it('shows a duplicate key at the duplicate', async () => {
    assert.equal(vscode.extensions.getExtension('redhat.vscode-yaml'), undefined);
    await vscode.extensions.getExtension('deephaven-pq-orchestrator.pq-orchestrator')!.activate();
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'bad', 'dup.pqo.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const t0 = Date.now();
    let dup: vscode.Diagnostic | undefined;
    while (!(dup = vscode.languages.getDiagnostics(uri).find((d) => d.source === 'pq-orchestrator' && d.code === 'syntax'))) {
      if (Date.now() - t0 > 20_000) throw new Error('no syntax problem');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(dup.message, 'execution.num_partitions appears twice (first at line 5); each key may appear once', 'plain text: no backticks in the Problems view');
    assert.equal(dup.range.start.line, 5, 'on the second num_partitions');
  });
});
