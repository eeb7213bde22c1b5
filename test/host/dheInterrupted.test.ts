import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitFor } from './wait';
import type { PqoApi } from '../../src/extension/extension';
import { FAST_ENV, SIM_PASSWORD, simConfig, startAgainst, WORKER } from '../sim/helpers';
import { Simulator } from '../sim/simulator';

const EXT_ID = 'deephaven-pq-orchestrator.pq-orchestrator';

/**
 * A Deephaven run killed mid-run, seen from the editor: the simulator serves the real API on loopback, the CLI runs
 * against it and is killed, and the extension (which loads the API from the server, as it does for a real one) asks
 * the server how many of the run's queries still run there.
 */
describe('a Deephaven run whose owner died, in the editor', function () {
  this.timeout(240_000);

  it('its notice and its row say how many of its queries the server still runs', async () => {
    const a = (await vscode.extensions.getExtension(EXT_ID)!.activate()) as PqoApi;
    // Queries that run two minutes: all still alive whenever the editor asks, on a loaded machine too.
    const sim = new Simulator({ users: { sim: SIM_PASSWORD }, knobs: { workerMs: [120_000, 120_000], stepMs: 3 } });
    await sim.start();
    const dir = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'dhedead');
    // The editor logs in as a user would have set it up: the password in the environment the config names.
    const saved = process.env.SIM_DH_PASSWORD;
    process.env.SIM_DH_PASSWORD = SIM_PASSWORD;
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'worker.py'), WORKER);
      // Written as a user does, saved from the editor: the extension learns of the new config from the save (a file
      // written behind its back was found only by the watcher, which under load came after the wait's end).
      const config = path.join(dir, 'config.yaml');
      fs.writeFileSync(config, simConfig(sim).replace('name: "simtest"', 'name: "dhedead"'));
      const doc = await vscode.workspace.openTextDocument(config);
      const edit = new vscode.WorkspaceEdit();
      edit.insert(doc.uri, doc.positionAt(doc.getText().length), '# written for the interrupted-count test\n');
      await vscode.workspace.applyEdit(edit);
      await doc.save();
      const cli = startAgainst({ config }, [], FAST_ENV);
      const view = await waitFor(() => a.store.runs.find((r) => r.name === 'dhedead' && r.owner), 'the CLI run, attached', 180_000);
      await waitFor(() => sim.live().length === 3 && a.store.counts(view).active === 3, 'three queries running', 90_000);
      cli.child.kill('SIGKILL'); // its owner goes (kill -9): the queries go on on the server
      await cli.done;
      await waitFor(() => view.interrupted, 'the run marked interrupted', 90_000);
      const note = await waitFor(() => view.interruptedNote, 'the notice', 90_000);
      assert.match(note, /^run \S+ was interrupted: .* with 0 of 6 cells succeeded and 0 failed\. 3 of its 3 queries are still running on the server; Resume adopts them\.$/);
      const tip = a.tree.getTreeItem(a.tree.runNode(view)).tooltip as vscode.MarkdownString;
      assert.ok(tip.value.includes('3 of its 3 queries are still running on the server'), tip.value);
    } finally {
      if (saved === undefined) delete process.env.SIM_DH_PASSWORD;
      else process.env.SIM_DH_PASSWORD = saved;
      for (const r of [...a.store.runs]) if (r.configFile.startsWith(dir + path.sep)) a.store.remove(r);
      fs.rmSync(dir, { recursive: true, force: true });
      await sim.stop();
    }
  });
});
