import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitFor } from './wait';
import { logFileOf } from '../../src/extension/runs/runStore';
import type { PqoApi } from '../../src/extension/extension';
import type { Node } from '../../src/extension/tree/runTree';

const EXT_ID = 'deephaven-pq-orchestrator.pq-orchestrator';
const root = () => vscode.workspace.workspaceFolders![0].uri;
const file = (rel: string) => vscode.Uri.joinPath(root(), rel);

async function api(): Promise<PqoApi> {
  const ext = vscode.extensions.getExtension(EXT_ID);
  assert.ok(ext, 'extension installed from source');
  return (await ext.activate()) as PqoApi;
}


/** A finished run of config.yaml (5 of 6 cells succeed, 2024-02-02/2 fails), made by the test that reads it. */
async function hostrun(a: PqoApi) {
  const active = await a.runs.start(file('config.yaml'));
  assert.ok(active);
  await active.done;
  return active.view;
}

/**
 * A config whose workers wait at a gate (a file) until the test opens it: the test sets the run's pace. Six cells,
 * three at once; 2024-02-02/2 fails.
 */
function gatedConfig(name: string): { uri: vscode.Uri; gate: string; open: () => void } {
  const gate = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-gate-')), 'open');
  const uri = file(`${name}/config.yaml`);
  fs.mkdirSync(path.dirname(uri.fsPath), { recursive: true });
  fs.writeFileSync(uri.fsPath, fs.readFileSync(file('config.yaml').fsPath, 'utf8').replace('name: "hostrun"', `name: "${name}"`).replace('worker_script: "worker.py"', 'worker_script: "../worker.py"').replace('SLEEP_S: "0.2"', `SLEEP_S: "0"\n  GATE_FILE: ${JSON.stringify(gate)}`));
  return { uri, gate, open: () => fs.writeFileSync(gate, '') };
}

/**
 * Undoes a test's unsaved edits of a document, and waits until it is clean: a test after it must find the file as it
 * is on disk (a revert that raced the editor's focus under load once left an edit behind for every later test).
 */
async function revert(doc: vscode.TextDocument): Promise<void> {
  await vscode.window.showTextDocument(doc);
  await vscode.commands.executeCommand('workbench.action.files.revert', doc.uri);
  await waitFor(() => !doc.isDirty, `${path.basename(doc.uri.fsPath)} to be reverted`);
  assert.equal(doc.getText(), fs.readFileSync(doc.uri.fsPath, 'utf8'), 'the document shows the file as it is on disk');
}

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'pq-orchestrator');

async function open(rel: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(file(rel));
  await vscode.window.showTextDocument(doc);
  return doc;
}

function at(doc: vscode.TextDocument, needle: string, delta = 0): vscode.Position {
  const i = doc.getText().indexOf(needle);
  assert.ok(i >= 0, needle);
  return doc.positionAt(i + delta);
}

describe('PQ Orchestrator in VS Code', function () {
  this.timeout(180_000); // waits are bounds for a hang (60 s), generous for a loaded machine

  it('puts pq-orchestrator on the integrated terminal\'s PATH, running on the editor\'s own runtime', async () => {
    const a = await api();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const out = execFileSync(path.join(a.cliDir, 'pq-orchestrator'), ['--version'], { env: { PATH: '/usr/bin:/bin', PQO_NODE: process.execPath }, encoding: 'utf8' });
    assert.match(out, /^pq-orchestrator \d+\.\d+\.\d+/);
  });

  it('activates, contributing its commands and its view', async () => {
    const a = await api();
    assert.ok(a.tree.getChildren(), 'the Runs view has a data provider');
    const cmds = await vscode.commands.getCommands(true);
    for (const c of ['pqOrchestrator.run', 'pqOrchestrator.dryRun', 'pqOrchestrator.checkServer', 'pqOrchestrator.stop', 'pqOrchestrator.rerunFailed', 'pqOrchestrator.openFailedLog', 'pqOrchestrator.forgetCredentials']) assert.ok(cmds.includes(c), c);
  });

  describe('editing a config', () => {
    it('shows every problem with its exact range', async () => {
      const doc = await open('bad/config.yaml');
      const diags = await waitFor(() => ours(doc.uri).length >= 6 && ours(doc.uri), 'diagnostics');
      const shown = diags.map((d) => [doc.getText(d.range), d.range.start.line + 1, d.range.start.character + 1, d.message]);
      const find = (text: string) => shown.find((s) => s[0] === text);
      assert.deepEqual(find('0')?.slice(1, 3), [5, 19], 'num_partitions value');
      assert.match(String(find('0')?.[3]), /between 1 and 1000/);
      assert.match(String(find('"python"')?.[3]), /"Python", "Groovy"/);
      assert.match(String(find('max_retrys')?.[3]), /did you mean max_retries(?!`)/);
      assert.match(String(find('"2024-02-30"')?.[3]), /not a calendar date/);
      assert.match(String(find('execution')?.[3]), /missing required key heap_size_gb in execution/);
      assert.match(String(find('env')?.[3]), /must be a mapping/);
      assert.equal(diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length, diags.length);
    });

    it('lists two missing keys of one section, neither hiding the other', async () => {
      const text = fs.readFileSync(file('config.yaml').fsPath, 'utf8').replace('  heap_size_gb: 1\n', '').replace('  script_language: "Python"\n', '');
      const target = file('missing/config.yaml');
      fs.mkdirSync(path.dirname(target.fsPath), { recursive: true });
      fs.writeFileSync(target.fsPath, text.replace('worker_script: "worker.py"', 'worker_script: "../worker.py"'));
      const opened = await open('missing/config.yaml');
      const missing = await waitFor(() => {
        const m = ours(opened.uri).filter((d) => /missing required key/.test(d.message));
        return m.length >= 2 && m;
      }, 'both missing keys');
      assert.deepEqual(missing.map((d) => d.message).sort(), ['missing required key heap_size_gb in execution', 'missing required key script_language in execution']);
      for (const d of missing) assert.equal(opened.getText(d.range), 'execution');
    });

    it('leaves unrelated config.yaml files alone', async () => {
      const doc = await open('other/config.yaml');
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(ours(doc.uri).length, 0);
    });

    it('a typo in a section name is underlined with its fix; the Run button shows for configs only', async () => {
      const a = await api();
      const target = file('typo/config.yaml');
      fs.mkdirSync(path.dirname(target.fsPath), { recursive: true });
      fs.writeFileSync(target.fsPath, fs.readFileSync(file('config.yaml').fsPath, 'utf8').replace('execution:', 'executon:').replace('worker_script: "worker.py"', 'worker_script: "../worker.py"'));
      const doc = await open('typo/config.yaml');
      const diags = await waitFor(() => ours(doc.uri).length > 0 && ours(doc.uri), 'the typo\'s problem');
      assert.equal(doc.getText(diags[0].range), 'executon');
      assert.match(diags[0].message, /did you mean execution\?/);
      await waitFor(() => a.contextKeys.get('editorIsConfig') === true, 'Run offered on a config');
      await open('other/config.yaml');
      await waitFor(() => a.contextKeys.get('editorIsConfig') === false, 'no Run on another tool\'s config.yaml');
    });

    it('updates problems as you type', async () => {
      const doc = await open('config.yaml');
      await waitFor(() => ours(doc.uri).length === 0 || undefined, 'clean start');
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(at(doc, 'num_partitions: 3', 16), at(doc, 'num_partitions: 3', 17)), '5000');
      await vscode.workspace.applyEdit(edit);
      const d = await waitFor(() => ours(doc.uri)[0], 'a problem after typing');
      assert.equal(doc.getText(d.range), '5000');
      await revert(doc);
      await waitFor(() => ours(doc.uri).length === 0, 'problem gone after the revert');
    });

    it('explains a key on hover, from the schema', async () => {
      const doc = await open('config.yaml');
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at(doc, 'num_partitions', 3));
      const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
      assert.match(text, /execution\.num_partitions/);
      assert.match(text, /Parallel partitions per date/);
      assert.match(text, /range: ≥ 1, ≤ 1000/);
    });

    it('completes keys not yet present, and allowed values', async () => {
      const doc = await open('config.yaml');
      const edit = new vscode.WorkspaceEdit();
      edit.insert(doc.uri, at(doc, '\nbatch:', 1), '  \n');
      await vscode.workspace.applyEdit(edit);
      const pos = doc.positionAt(doc.getText().indexOf('  \nbatch:') + 2);
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos);
      const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      for (const k of ['jvm_profile', 'server_name', 'max_failures', 'delete_failed_queries']) assert.ok(labels.includes(k), `${k} offered`);
      assert.ok(!labels.includes('num_partitions'), 'present keys are not offered again');
      await revert(doc);
      const values = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, at(doc, 'script_language: "Python"', 17));
      const vl = values.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      assert.ok(vl.includes('"Python"') && vl.includes('"Groovy"'), vl.join(','));
    });

    it('offers a quick fix for each kind of problem, and each fix removes its problem', async () => {
      const doc = await open('bad/config.yaml');
      const kinds: [string, RegExp][] = [
        ['0', /nearest allowed value/],
        ['"python"', /Change to "Python"/],
        ['max_retrys', /^Rename to max_retries$/],
        ['execution', /^Add heap_size_gb/],
        ['env', /empty map/],
      ];
      for (const [text, title] of kinds) {
        const diag = await waitFor(() => ours(doc.uri).find((d) => doc.getText(d.range) === text), `problem on ${text}`);
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diag.range, vscode.CodeActionKind.QuickFix.value);
        const action = actions.find((a) => title.test(a.title));
        assert.ok(action?.edit, `a fix for ${text}: ${actions.map((a) => a.title).join(', ')}`);
        await vscode.workspace.applyEdit(action.edit);
        await waitFor(() => !ours(doc.uri).some((d) => d.message === diag.message), `problem on ${text} to go`);
      }
      await revert(doc);
    });

    it('links worker_script to the file', async () => {
      const doc = await open('config.yaml');
      const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', doc.uri);
      const link = links.find((l) => doc.getText(l.range) === '"worker.py"');
      assert.ok(link?.target);
      assert.equal(path.basename(link.target.fsPath), 'worker.py');
    });

    it('shows Run, Dry run and the plan size in a CodeLens', async () => {
      const doc = await open('config.yaml');
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      const titles = lenses.map((l) => l.command?.title ?? '');
      assert.ok(titles.some((t) => t.includes('Run')));
      assert.ok(titles.includes('Dry run'));
      assert.ok(titles.includes('2 dates × 3 partitions = 6 cells'), titles.join(' | '));
    });

    it('the CodeLens tooltip forecasts the run from the last run of this config and script, and says when there is none', async () => {
      const a = await api();
      const { uri, open: openGate } = gatedConfig('lensforecast');
      openGate(); // nothing waits: the run is quick
      // The provider itself: the API's executeCodeLensProvider drops a lens command's tooltip.
      const tip = async () => {
        const doc = await vscode.workspace.openTextDocument(uri);
        return a.lenses.provideCodeLenses(doc).find((l) => /= 6 cells/.test(l.command?.title ?? ''))?.command?.tooltip ?? '';
      };
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const before = await tip();
      assert.match(before, /^Forecast: none: no earlier run of this same config and script/, `nothing made up without history: ${before}`);
      const active = await a.runs.start(uri);
      assert.ok(active);
      await active.done;
      let text = await tip();
      for (const t0 = Date.now(); !/^Forecast: about /.test(text) && Date.now() - t0 < 60_000; text = await tip()) await new Promise((r) => setTimeout(r, 100));
      assert.match(text, new RegExp(`^Forecast: about .+ at 3 at once \\(from run ${active.view.id} of \\d{4}-\\d\\d-\\d\\d, 6 of 6 cells measured\\)`));
    });

    it('with a business calendar: the lens counts business days, the hover on `calendar` says what it skips', async () => {
      const dir = path.join(root().fsPath, 'caltest');
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(path.resolve(__dirname, '../../../test/fixtures/calendars/TEST_NYSE.calendar'), path.join(dir, 'TEST_NYSE.calendar'));
      const text = fs.readFileSync(file('config.yaml').fsPath, 'utf8').replace('name: "hostrun"', 'name: "caltest"').replace('worker_script: "worker.py"', 'worker_script: "../worker.py"').replace(/dates:\n(  .*\n)+/, 'dates:\n  start: "2024-06-01"\n  end: "2024-07-31"\n  calendar: "TEST_NYSE.calendar"\n');
      fs.writeFileSync(path.join(dir, 'config.yaml'), text);
      try {
        const doc = await open('caltest/config.yaml');
        // The analysis reads the calendar as the document opens: the lens is there once it is done.
        let titles: string[] = [];
        for (let i = 0; i < 600 && !titles.some((x) => x.includes('business days')); i++) {
          const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
          titles = lenses.map((l) => l.command?.title ?? '');
          if (!titles.some((x) => x.includes('business days'))) await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(titles.includes('41 business days (TEST_NYSE) × 3 partitions = 123 cells'), titles.join(' | '));
        const at = doc.positionAt(doc.getText().indexOf('calendar:') + 2);
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at);
        const shown = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
        assert.match(shown, /TEST_NYSE \(America\/New_York\), valid 2022-01-01 to 2025-12-31/);
        assert.match(shown, /it skips 2 of the 43 weekdays as holidays; 1 shortened day kept/);
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('running', () => {
    it('Dry Run opens the plan', async () => {
      await vscode.commands.executeCommand('pqOrchestrator.dryRun', file('config.yaml'));
      const doc = await waitFor(() => vscode.window.activeTextEditor?.document.uri.scheme === 'pqo-plan' && vscode.window.activeTextEditor.document, 'plan document');
      assert.match(doc.getText(), /cells\s+6 \(2 dates × 3 partitions\), one worker process each/);
    });

    it('Dry Run of an edited config plans the editor text and never saves the file', async () => {
      const doc = await open('config.yaml');
      const onDisk = fs.readFileSync(doc.uri.fsPath, 'utf8');
      const edit = new vscode.WorkspaceEdit();
      const i = doc.getText().indexOf('num_partitions: 3');
      edit.replace(doc.uri, new vscode.Range(doc.positionAt(i), doc.positionAt(i + 'num_partitions: 3'.length)), 'num_partitions: 4');
      await vscode.workspace.applyEdit(edit);
      try {
        await vscode.commands.executeCommand('pqOrchestrator.dryRun', doc.uri);
        const plan = await waitFor(() => vscode.window.activeTextEditor?.document.uri.scheme === 'pqo-plan' && /8 worker processes would be started/.test(vscode.window.activeTextEditor.document.getText()) && vscode.window.activeTextEditor.document, 'plan of the edited text');
        assert.match(plan.getText(), /cells\s+8 \(2 dates × 4 partitions\), one worker process each/);
        assert.equal(fs.readFileSync(doc.uri.fsPath, 'utf8'), onDisk, 'the file on disk is untouched');
        assert.ok(doc.isDirty, 'the edit is still unsaved');
      } finally {
        await revert(doc);
      }
      assert.equal(doc.getText(), onDisk);
    });

    it('a local run fills the tree: states, counts and the failure badge', async () => {
      const a = await api();
      const active = await a.runs.start(file('config.yaml'));
      assert.ok(active);
      await active.done;
      const runs = a.tree.getChildren();
      const run = runs.find((n) => n.kind === 'run' && n.run.id === active.view.id)!;
      const item = a.tree.getTreeItem(run);
      assert.match(String(item.description), /^5\/6 · 1 failed/);
      assert.match((item.tooltip as vscode.MarkdownString).value, /record: .*record\.jsonl/);
      const [failedGroup, ...dates] = a.tree.getChildren(run);
      assert.equal(a.tree.getTreeItem(failedGroup).label, 'Failed (1)', 'the failures one click away');
      assert.deepEqual(a.tree.getChildren(failedGroup).map((n) => String(a.tree.getTreeItem(n).label)), ['2024-02-02 · partition 2']);
      assert.deepEqual(dates.map((d) => (d.kind === 'date' ? d.date : '')), ['2024-02-01', '2024-02-02']);
      assert.match(String(a.tree.getTreeItem(dates[1]).description), /2\/3 · 1 failed/);
      const cells = a.tree.getChildren(dates[1]);
      assert.equal(cells.length, 3);
      // Failures first inside a date; people's words, a duration, no serial for local runs.
      const failed = a.tree.getTreeItem(cells[0]);
      assert.equal(failed.label, 'partition 2');
      assert.match(String(failed.contextValue), /^pqoCell failed hasLog$/, 'no Copy Serial for a local run (its serial is internal)');
      assert.equal((failed.iconPath as vscode.ThemeIcon).id, 'error');
      const ok = a.tree.getTreeItem(cells[1]);
      assert.equal((ok.iconPath as vscode.ThemeIcon).id, 'pass');
      assert.match(String(ok.description), /^succeeded · \d+(\.\d)? (ms|s)$/, 'the duration written as everywhere else');
      assert.match(String(ok.contextValue), /hasLog/, 'a succeeded cell\'s log opens too');
      assert.ok(!String(ok.description).includes('serial'), 'no serial column for local runs');
      assert.match(String(a.tree.getTreeItem(run).description), /started \d/);
      // The first failed cell is revealed and selected when the run ends.
      await waitFor(() => a.view.selection[0]?.kind === 'cell' && a.view.selection[0].view.cell.queryName === 'pq_batch_hostrun_20240202_2', 'the failed cell to be revealed');
      // The command palette follows the run: Rerun Failed and the filter are offered, Stop is not.
      await waitFor(() => a.contextKeys.get('hasFailures') === true && a.contextKeys.get('runActive') === false, 'context keys');
      assert.equal(a.contextKeys.get('runFinished'), true);
      // Failures only: runs, dates and cells without a failure are hidden.
      await vscode.commands.executeCommand('pqOrchestrator.showFailuresOnly');
      assert.equal(a.contextKeys.get('failuresOnly'), true);
      const onlyDates = a.tree.getChildren(a.tree.getChildren().find((n) => n.kind === 'run' && n.run.id === active.view.id)!).filter((n) => n.kind === 'date');
      assert.deepEqual(onlyDates.map((d) => (d.kind === 'date' ? d.date : '')), ['2024-02-02']);
      assert.deepEqual(a.tree.getChildren(onlyDates[0]).map((n) => (n.kind === 'cell' ? n.view.cell.partition : -1)), [2]);
      await vscode.commands.executeCommand('pqOrchestrator.showAllCells');
      assert.equal(a.tree.getChildren(dates[1]).length, 3);
      await waitFor(() => a.view.badge?.value === 1, 'the badge to count the failure');
      a.status.render();
      assert.equal(a.status.item.text, '$(testing-failed-icon) hostrun 5/6 · 1 failed', 'the status bar names the run and its failure');
    });

    it('opens a failed log with the traceback, linked to the worker line', async () => {
      const a = await api();
      const run = a.tree.runNode(await hostrun(a));
      const cell = a.tree.getChildren(a.tree.getChildren(run)[2])[0] as Node;
      await vscode.commands.executeCommand('pqOrchestrator.openFailedLog', cell);
      const doc = await waitFor(() => vscode.window.activeTextEditor?.document.uri.scheme === 'pqo-log' && vscode.window.activeTextEditor.document, 'log document');
      assert.match(doc.getText(), /pq_batch_hostrun_20240202_2/);
      assert.match(doc.getText(), /KeyError: 'missing'/);
      assert.match(doc.getText(), /--- worker log: /);
      const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', doc.uri);
      const link = links.find((l) => l.target?.fsPath.endsWith('worker.py'));
      assert.ok(link, 'a link to the worker script');
      assert.match(doc.getText(link.range), /worker\.py$/);
      // The line travels in the target's fragment (the command above returns targets without it).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { TracebackLinks } = require('../../src/extension/runs/failedLog') as typeof import('../../src/extension/runs/failedLog');
      const own = new TracebackLinks().provideDocumentLinks(doc).find((l) => l.target?.fsPath.endsWith('worker.py'));
      assert.equal(own?.target?.fragment, 'L13', 'the line that raised');
    });

    it('shows the recorded runs found on disk', async () => {
      const a = await api();
      await hostrun(a); // the newest record on disk
      await vscode.commands.executeCommand('pqOrchestrator.clearFinishedRuns');
      assert.equal(a.store.runs.length, 0);
      a.status.render();
      assert.equal(a.status.item.text, '', 'after Clear Finished Runs the status bar shows no run');
      const added = await vscode.commands.executeCommand<number>('pqOrchestrator.loadHistory');
      assert.ok(added >= 1, 'the last run of each config with a record');
      await waitFor(() => a.status.item.text === '$(testing-failed-icon) hostrun 5/6 · 1 failed', 'the status bar to show the newest loaded run');
      const run = a.tree.getChildren().find((n) => n.kind === 'run' && n.run.name === 'hostrun')!;
      assert.equal(run.kind === 'run' && run.run.name, 'hostrun');
      assert.match(String(a.tree.getTreeItem(run).description), /^5\/6 · 1 failed/);
      const failed = a.tree.getChildren(a.tree.getChildren(run)[2])[0];
      const log = failed.kind === 'cell' ? logFileOf(failed.run, failed.view) : undefined;
      assert.ok(log && fs.existsSync(log), 'the worker log is found');
      await waitFor(() => a.view.badge?.value === 1, 'the badge to count the failure');
      assert.equal(await vscode.commands.executeCommand<number>('pqOrchestrator.loadHistory'), 0, 'not added twice');
    });

    it('the Run Grid of a recorded run: the page draws its counts; a click opens a cell\'s log', async () => {
      const a = await api();
      await hostrun(a);
      await vscode.commands.executeCommand('pqOrchestrator.clearFinishedRuns');
      // From the palette with the config open: its last recorded run, loaded from the record.
      await open('config.yaml');
      await vscode.commands.executeCommand('pqOrchestrator.openGrid');
      const run = await waitFor(() => a.store.runs.find((r) => r.name === 'hostrun' && r.recordFile), 'the recorded run');
      const panel = await waitFor(() => a.grids.get(run.id), 'a grid panel');
      const counts = await waitFor(() => panel.lastRendered, 'the page to draw', 60_000);
      assert.deepEqual(counts, { succeeded: 5, failed: 1 }, 'the whole plan drawn from its first message');
      const failed = [...run.byIndex.values()].find((v) => v.state === 'failed')!;
      await panel.receive({ type: 'open', cell: failed.cell.index });
      const log = await waitFor(() => vscode.window.activeTextEditor?.document.uri.scheme === 'pqo-log' && vscode.window.activeTextEditor.document, 'the failed log');
      assert.match(log.getText(), /pq_batch_hostrun_20240202_2/);
      // A succeeded cell opens its own log (the worker's output), not the script.
      await panel.receive({ type: 'open', cell: 0 });
      const okLog = await waitFor(() => vscode.window.activeTextEditor?.document.uri.scheme === 'pqo-log' && vscode.window.activeTextEditor.document.getText().includes('pq_batch_hostrun_20240201_0') && vscode.window.activeTextEditor.document, 'the succeeded cell\'s log');
      assert.match(okLog.getText(), /done 2024-02-01\/0/);
      assert.doesNotMatch(okLog.getText(), /failure detail/);
      panel.panel.dispose();
      assert.equal(a.grids.get(run.id), undefined, 'a closed panel is forgotten');
    });

    it('Rerun Failed Cells from a run in the tree runs only those cells', async () => {
      const a = await api();
      const finished = await hostrun(a);
      const before = a.store.runs.length;
      await vscode.commands.executeCommand('pqOrchestrator.rerunFailed', a.tree.runNode(finished));
      const rerun = await waitFor(() => a.store.runs.length > before && a.store.runs[0], 'a new run');
      await waitFor(() => rerun.phase === 'finished', 'the rerun to finish');
      assert.deepEqual([...rerun.byIndex.values()].map((v) => v.cell.queryName), ['pq_batch_hostrun_20240202_2']);
      assert.equal(a.store.counts(rerun).failed, 1, 'it fails again: the worker still fails that cell');
      assert.deepEqual(rerun.dates, ['2024-02-02']);
    });

    it('Rerun Failed after fixing the worker runs the failed cell with the fixed script', async () => {
      const a = await api();
      const dir = file('fix').fsPath;
      fs.mkdirSync(dir, { recursive: true });
      const worker = fs.readFileSync(file('worker.py').fsPath, 'utf8');
      fs.writeFileSync(path.join(dir, 'worker.py'), worker);
      fs.writeFileSync(path.join(dir, 'config.yaml'), fs.readFileSync(file('config.yaml').fsPath, 'utf8').replace('name: "hostrun"', 'name: "hostfix"').replace('SLEEP_S: "0.2"', 'SLEEP_S: "0"'));
      const first = await a.runs.start(file('fix/config.yaml'));
      await first!.done;
      assert.equal(first!.view.summary?.failedExecution, 1);
      // The fix: the worker no longer fails that cell.
      fs.writeFileSync(path.join(dir, 'worker.py'), worker.replace('if cell == os.environ.get("FAIL_CELL"):', 'if False:'));
      const before = a.store.runs.length;
      await vscode.commands.executeCommand('pqOrchestrator.rerunFailed', a.tree.runNode(first!.view));
      const rerun = await waitFor(() => a.store.runs.length > before && a.store.runs[0], 'a new run');
      await waitFor(() => rerun.phase === 'finished', 'the rerun to finish');
      assert.deepEqual([...rerun.byIndex.values()].map((v) => [v.cell.queryName, v.state]), [['pq_batch_hostfix_20240202_2', 'succeeded']]);
      // The config's grid (from the palette) is the whole backtest; a cell the first run decided opens its log there.
      await vscode.commands.executeCommand('pqOrchestrator.openGrid', file('fix/config.yaml'));
      const panel = await waitFor(() => a.grids.get(rerun.id), 'the config\'s grid');
      assert.deepEqual(await waitFor(() => panel.lastRendered, 'the page to draw', 60_000), { succeeded: 6 }, 'every cell\'s latest outcome');
      await panel.receive({ type: 'open', cell: 0 });
      const earlier = await waitFor(() => vscode.window.activeTextEditor?.document.uri.scheme === 'pqo-log' && vscode.window.activeTextEditor.document.getText().includes('pq_batch_hostfix_20240201_0') && vscode.window.activeTextEditor.document, 'the first run\'s log of cell 0');
      assert.match(earlier.getText(), new RegExp(`from run ${first!.view.id}, an earlier run of this config`));
      assert.match(earlier.getText(), /done 2024-02-01\/0/, 'the worker\'s own output, from the first run\'s logs');
      panel.panel.dispose();
      // Each run stays openable: the first run, gone from the view, comes back from its record as it ended.
      await vscode.commands.executeCommand('pqOrchestrator.clearFinishedRuns');
      const id = await vscode.commands.executeCommand<string>('pqOrchestrator.openRecordedRun', file('fix/config.yaml'), first!.view.id);
      assert.equal(id, first!.view.id);
      const back = a.store.find(id)!;
      assert.deepEqual([a.store.counts(back).succeeded, a.store.counts(back).failed], [5, 1], 'the first run as it ended, not the rerun');
      const again = await waitFor(() => a.grids.get(id), 'its grid');
      assert.deepEqual(await waitFor(() => again.lastRendered, 'the page to draw', 60_000), { succeeded: 5, failed: 1 });
      again.panel.dispose();
    });

    it('Rerun selected in the grid starts a run of exactly those cells', async () => {
      const a = await api();
      const recorded = await hostrun(a);
      const panel = a.grids.open(recorded);
      const before = a.store.runs.length;
      await panel.receive({ type: 'rerun', cells: [1, 4] });
      const rerun = await waitFor(() => a.store.runs.length > before && a.store.runs[0], 'a new run');
      await waitFor(() => rerun.phase === 'finished', 'it to finish');
      assert.deepEqual([...rerun.byIndex.keys()].sort(), [1, 4]);
      assert.deepEqual([...rerun.byIndex.values()].map((v) => v.state), ['succeeded', 'succeeded']);
      panel.panel.dispose();
    });

    it('the Run Grid of a live run follows it: what the page drew while cells ran, then the run\'s end', async () => {
      const a = await api();
      // The test sets the run's pace: every worker waits at a gate until the page has drawn the running run.
      const { uri: cfg, open: openGate } = gatedConfig('hostgated');
      const seen: Record<string, number>[] = [];
      let runId = '';
      const off = a.grids.onDidRender((r) => r.runId === runId && seen.push(r.counts));
      try {
        const active = await a.runs.start(cfg);
        assert.ok(active);
        runId = active.view.id;
        await vscode.commands.executeCommand('pqOrchestrator.openGrid', { runId });
        await waitFor(() => seen.some((c) => c.running === 3 && c.queued === 3), 'the page to show three running, three queued', 60_000);
        assert.ok(!seen.some((c) => c.succeeded || c.failed), 'nothing ended before the gate opened');
        openGate();
        await active.done;
        // Only patches can bring the page from "3 running" to the end: its first message was sent while cells waited.
        await waitFor(() => seen.some((c) => c.succeeded === 5 && c.failed === 1), 'the page to show the run\'s end', 60_000);
        assert.deepEqual(seen.at(-1), { succeeded: 5, failed: 1 }, 'the last drawing is the end, nothing running');
      } finally {
        off.dispose();
        openGate();
        a.grids.get(runId)?.panel.dispose();
      }
    });

    it('Resume: the stopped run\'s row and its open grid update in place, shown once', async () => {
      const a = await api();
      const g = gatedConfig('hostresume');
      const seen: Record<string, number>[] = [];
      let runId = '';
      const off = a.grids.onDidRender((r) => r.runId === runId && seen.push(r.counts));
      try {
        const first = await a.runs.start(g.uri);
        runId = first!.view.id;
        await waitFor(() => a.store.counts(first!.view).active === 3, 'three running');
        await a.runs.stop(runId);
        await a.runs.stop(runId);
        await first!.done;
        await vscode.commands.executeCommand('pqOrchestrator.openGrid', { runId });
        const panel = await waitFor(() => a.grids.get(runId), 'the grid');
        await waitFor(() => seen.some((c) => c.stopped === 3), 'the page to show the stopped run');
        g.open();
        const resumed = await a.runs.start(g.uri, 'resume');
        assert.equal(resumed!.view.id, runId, 'a resumed run keeps its id');
        await resumed!.done;
        assert.equal(a.store.runs.filter((r) => r.id === runId).length, 1, 'one run in the store');
        const rows = a.tree.getChildren().filter((n) => n.kind === 'run' && n.run.id === runId);
        assert.equal(rows.length, 1, 'shown once');
        const desc = String(a.tree.getTreeItem(rows[0]).description);
        assert.match(desc, /^5\/6 · 1 failed/, `the row follows the resumed run: ${desc}`);
        assert.equal(a.grids.get(runId), panel, 'the same panel');
        await waitFor(() => seen.some((c) => c.succeeded === 5 && c.failed === 1), 'the open grid to show the resumed run\'s end');
      } finally {
        off.dispose();
        g.open();
        a.grids.get(runId)?.panel.dispose();
      }
    });

    it('the status bar\'s click opens the grid of the run it shows, during a run (a command without arguments)', async () => {
      const a = await api();
      const g = gatedConfig('hoststatus');
      try {
        const active = await a.runs.start(g.uri);
        await waitFor(() => a.store.counts(active!.view).active === 3, 'three running');
        await vscode.commands.executeCommand('pqOrchestrator.openStatusRunGrid');
        const panel = await waitFor(() => a.grids.get(active!.view.id), 'the grid of the running run');
        g.open();
        await active!.done;
        panel.panel.dispose();
      } finally {
        g.open();
      }
    });

    it('a grid opened from the palette follows the config\'s latest run; its title names the run by its start time', async () => {
      const a = await api();
      const first = await hostrun(a);
      await open('config.yaml');
      await vscode.commands.executeCommand('pqOrchestrator.openGrid');
      const panel = await waitFor(() => a.grids.get(first.id), 'the grid');
      assert.match(panel.panel.title, /^Grid: hostrun \d\d:\d\d:\d\d \(latest\)$/);
      const second = await hostrun(a);
      await waitFor(() => panel.run === second, 'the panel to follow the new run');
      assert.equal(a.grids.get(second.id), panel);
      panel.panel.dispose();
    });

    it('the Run Grid shows cells running while they run, then stopped ones after a forced stop', async () => {
      const a = await api();
      const active = await a.runs.start(file('slow/config.yaml'));
      assert.ok(active);
      const seen: Record<string, number>[] = [];
      const off = a.grids.onDidRender((r) => r.runId === active.view.id && seen.push(r.counts));
      try {
        await vscode.commands.executeCommand('pqOrchestrator.openGrid', { runId: active.view.id });
        await waitFor(() => seen.some((c) => c.running === 3 && c.queued === 3), 'the page to show three running, three queued', 60_000);
        await a.runs.stop(active.view.id);
        await a.runs.stop(active.view.id);
        await active.done;
        await waitFor(() => seen.some((c) => c.stopped === 3 && c['not started'] === 3), 'the page to show three stopped, three not started', 30_000);
      } finally {
        off.dispose();
        a.grids.get(active.view.id)?.panel.dispose();
      }
    });

    it('stop: first graceful, second stops and deletes what runs', async () => {
      const a = await api();
      const active = await a.runs.start(file('slow/config.yaml'));
      assert.ok(active);
      await waitFor(() => a.store.counts(active.view).active === 3 && [...active.view.byIndex.values()].every((v) => v.state !== 'active' || v.status === 'Running'), 'three running');
      await a.runs.stop(active.view.id);
      assert.equal(active.view.state.cancel, 'graceful', 'the first Stop is graceful');
      await a.runs.stop(active.view.id);
      await active.done;
      const s = active.view.summary!;
      assert.equal(s.interrupted, 'forceful');
      assert.equal(s.cancelled, 3);
      assert.equal(s.notStarted, 3);
      assert.match(String(a.tree.getTreeItem(a.tree.runNode(active.view)).description), /0\/6 · stopped/);
      a.status.render();
      assert.equal(a.status.item.text, '$(debug-stop) hostslow 0/6 · stopped', 'a forced stop is not shown as a success');
    });

    it('asks once for an unset credential, keeps it in secret storage, and can forget it', async () => {
      const a = await api();
      // The simulator, inside the extension host: the DHE path end to end.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Simulator } = require('../sim/simulator') as typeof import('../sim/simulator');
      const sim = new Simulator({ users: { sim: 'host-sim-pw' }, knobs: { workerMs: [20, 40], stepMs: 3 } });
      await sim.start();
      process.env.PQO_SIM_URL = sim.connectionUrl;
      const asked: string[] = [];
      const original = a.credentials.ask;
      a.credentials.ask = async (o) => {
        asked.push(o.variable);
        return o.variable === 'PQO_SIM_PASSWORD' ? 'host-sim-pw' : undefined;
      };
      const unsetWarning = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).some((d) => /PQO_SIM_PASSWORD is not set/.test(d.message));
      try {
        const before = await open('dhe/config.yaml');
        await waitFor(() => unsetWarning(before.uri), 'the unset-credential warning before it is stored');
        const first = await a.runs.start(file('dhe/config.yaml'));
        assert.ok(first);
        await first.done;
        assert.equal(first.view.summary?.succeeded, 2);
        assert.deepEqual(asked, ['PQO_SIM_PASSWORD']);
        await waitFor(() => !unsetWarning(before.uri), 'the warning gone once the value is stored');
        const second = await a.runs.start(file('dhe/config.yaml'));
        await second!.done;
        assert.deepEqual(asked, ['PQO_SIM_PASSWORD'], 'not asked again');
        // One credential at a time: Manage Stored Credentials lists it and can forget just it.
        const mine = a.credentials.stored().filter((c) => c.variable === 'PQO_SIM_PASSWORD');
        assert.equal(mine.length, 1);
        assert.equal(mine[0].server, new URL(sim.connectionUrl).origin);
        assert.equal(sim.received.length, 4);
        const logs = fs.readdirSync(path.dirname(first.session.recordFile));
        assert.ok(logs.includes('record.jsonl'));
        assert.ok(!fs.readFileSync(first.session.recordFile, 'utf8').includes('host-sim-pw'), 'the secret is not in the record');
        // Check Server, offered by the lens of a config with a deephaven section, reports in a document.
        const doc = await open('dhe/config.yaml');
        const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
        const lens = lenses.find((l) => l.command?.title === 'Check server');
        assert.ok(lens?.command, 'a Check server lens');
        await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []));
        const report = await waitFor(() => vscode.window.activeTextEditor?.document.uri.path.endsWith('.server-check.txt') && vscode.window.activeTextEditor.document, 'server check report');
        assert.match(report.getText(), /Logged in\s+sim \(password\)/);
        assert.match(report.getText(), /ok\s+SIMULATION_DATE="2024-02-01"/);
        assert.match(report.getText(), /Result: the server accepts this config/);
        assert.ok(!report.getText().includes('host-sim-pw'), 'no secret in the report');
        assert.equal(sim.received.length, 5, 'one probe query');
        assert.deepEqual(asked, ['PQO_SIM_PASSWORD'], 'the stored credential was used');
        assert.equal(await a.credentials.forget(), 1);
        await waitFor(() => unsetWarning(doc.uri), 'the warning back once the stored value is forgotten');
      } finally {
        a.credentials.ask = original;
        await sim.stop();
      }
    });
  });

  describe('at scale', () => {
    it('a date of 450 partitions shows pages; the Failed node and reveal reach a failure inside a page', async () => {
      const a = await api();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { analyze, BATCH_CONFIG, edit } = require('../helpers/configs') as typeof import('../helpers/configs');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { buildPlan } = require('../../src/plan/plan') as typeof import('../../src/plan/plan');
      const text = edit(BATCH_CONFIG, 'end: "2024-01-31"', 'end: "2024-01-01"').replace(/num_partitions: \d+/, 'num_partitions: 450');
      const plan = buildPlan(analyze(text).config!, '');
      const run = a.store.addRun(plan, 'paging-run');
      try {
        const target = plan.cells[300];
        a.store.apply(run, { type: 'cell-finished', cell: target, attempt: 1, outcome: 'failed', kind: 'execution', at: Date.now() });
        const runNode = a.tree.runNode(run);
        const [failedGroup, date] = a.tree.getChildren(runNode);
        assert.equal(a.tree.getTreeItem(failedGroup).label, 'Failed (1)');
        const pages = a.tree.getChildren(date);
        assert.deepEqual(pages.map((p) => a.tree.getTreeItem(p).label), ['partitions 0-199', 'partitions 200-399', 'partitions 400-449']);
        assert.match(String(a.tree.getTreeItem(pages[1]).description), /1 failed/);
        const inPage = a.tree.getChildren(pages[1]);
        assert.equal(inPage.length, 200);
        assert.equal(inPage[0].kind === 'cell' && inPage[0].view.cell.partition, 300, 'failed first inside its page');
        const first = a.tree.firstFailure(run)!;
        assert.equal(a.tree.getParent(first), pages[1], 'reveal walks cell → page → date → run');
        assert.equal(a.tree.getParent(pages[1]), date);
      } finally {
        a.store.remove(run);
      }
    });
  });

  describe('for newcomers', () => {
    it('New Config scaffolds a local and a Deephaven config that validate clean, and opens them', async () => {
      for (const [kind, folder] of [['local', 'local_quickstart'], ['batch', 'simple_worker_batch']] as const) {
        const created = await vscode.commands.executeCommand<vscode.Uri | undefined>('pqOrchestrator.newConfig', kind);
        assert.ok(created, kind);
        assert.equal(path.basename(path.dirname(created.fsPath)), folder, 'a subfolder: the workspace has a config.yaml already');
        assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, created.fsPath, 'opened in the editor');
        // Kept open, not a preview (a preview tab is reused: it once replaced the walkthrough it was started from).
        assert.equal(vscode.window.tabGroups.activeTabGroup.activeTab?.isPreview, false, 'not opened as a preview');
        await new Promise((r) => setTimeout(r, 800)); // past the validation debounce
        const errors = ours(created).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
        assert.deepEqual(errors.map((d) => d.message), [], `${kind}: no errors`);
        const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', created);
        assert.ok(lenses.some((l) => /cells$/.test(l.command?.title ?? '')), `${kind}: the plan size lens shows a valid plan`);
      }
      const again = await vscode.commands.executeCommand<vscode.Uri>('pqOrchestrator.newConfig', 'local');
      assert.equal(path.basename(path.dirname(again.fsPath)), 'local_quickstart_2', 'never overwrites: a new folder');
    });

    it('every walkthrough step links to a command the extension has', async () => {
      const ext = vscode.extensions.getExtension(EXT_ID)!;
      const walkthrough = (ext.packageJSON as { contributes: { walkthroughs: { steps: { description: string; media: { markdown?: string } }[] }[] } }).contributes.walkthroughs[0];
      const cmds = await vscode.commands.getCommands(true);
      assert.equal(walkthrough.steps.length, 5);
      for (const step of walkthrough.steps) {
        const linked = [...step.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]);
        assert.ok(linked.length, step.description);
        for (const c of linked) assert.ok(cmds.includes(c), `${c} is registered`);
        assert.ok(step.media.markdown && fs.existsSync(path.join(ext.extensionPath, step.media.markdown)), 'its page exists');
      }
    });
  });
});
