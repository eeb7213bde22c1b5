// Run with Workspace Trust on and the folder not trusted: validation works, nothing runs.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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

describe('runs started elsewhere, in an untrusted folder', function () {
  this.timeout(180_000);

  it('are followed read-only: shown live, but Stop is refused and the run goes on', async () => {
    const api = (await vscode.extensions.getExtension('deephaven-pq-orchestrator.pq-orchestrator')!.activate()) as PqoApi;
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const dir = path.join(root, 'untrustedcli');
    const gate = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-gate-')), 'open');
    fs.mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'config.yaml');
    fs.writeFileSync(config, fs.readFileSync(path.join(root, 'config.yaml'), 'utf8').replace('name: "hostrun"', 'name: "untrustedcli"').replace('worker_script: "worker.py"', 'worker_script: "../worker.py"').replace('SLEEP_S: "0.2"', `SLEEP_S: "0"\n  GATE_FILE: ${JSON.stringify(gate)}`));
    // Saved from the editor, as a user writes a config.
    const doc = await vscode.workspace.openTextDocument(config);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, doc.positionAt(doc.getText().length), '# untrusted attach test\n');
    await vscode.workspace.applyEdit(edit);
    await doc.save();
    const script = path.join(vscode.extensions.getExtension('deephaven-pq-orchestrator.pq-orchestrator')!.extensionPath, 'bin', 'pq-orchestrator.js');
    const child = spawn(process.execPath, [script, '--config', config], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: 'ignore' });
    const exit = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    try {
      const t0 = Date.now();
      const found = () => api.store.runs.find((r) => r.name === 'untrustedcli' && r.attached && api.store.counts(r).active === 3);
      while (!found()) {
        if (Date.now() - t0 > 90_000) throw new Error('the CLI run was not followed');
        await new Promise((r) => setTimeout(r, 50));
      }
      const run = found()!;
      await vscode.commands.executeCommand('pqOrchestrator.stop', api.tree.runNode(run));
      fs.writeFileSync(gate, '');
      // A Stop that reached the CLI would end it with 4 (stopped); it ran to its end: 2 (one cell fails on purpose).
      assert.equal(await exit, 2, 'the run went on to its end');
      assert.ok(!fs.readFileSync(run.recordFile!, 'utf8').includes('"t":"stop"'), 'the record says no Stop was asked');
    } finally {
      fs.writeFileSync(gate, '');
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
