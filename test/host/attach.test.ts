import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitFor as waitLong } from './wait';
import type { PqoApi } from '../../src/extension/extension';
import type { RunView } from '../../src/extension/runs/runStore';
import { readRecord } from '../../src/record/reader';
import { recordedState } from '../../src/record/replay';
import { processStartTime } from '../../src/record/lock';
import { requestStop } from '../../src/record/owner';
import { loadPlan } from '../../src/plan/load';
import { recordHeader } from '../../src/record/format';

const EXT_ID = 'deephaven-pq-orchestrator.pq-orchestrator';
const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

async function api(): Promise<PqoApi> {
  return (await vscode.extensions.getExtension(EXT_ID)!.activate()) as PqoApi;
}

/** Runs of other processes under load: a longer bound. */
const waitFor = <T>(get: () => T | undefined | false, what: string, ms = 90_000) => waitLong(get, what, ms);

/**
 * A config of its own (six cells, three at once, 2024-02-02/2 fails) whose workers wait at a gate the test opens,
 * written as a user does: saved from the editor.
 */
async function gated(name: string): Promise<{ config: string; dir: string; open: () => void }> {
  const dir = path.join(root(), name);
  const gate = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-gate-')), 'open');
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(config, fs.readFileSync(path.join(root(), 'config.yaml'), 'utf8').replace('name: "hostrun"', `name: "${name}"`).replace('worker_script: "worker.py"', 'worker_script: "../worker.py"').replace('SLEEP_S: "0.2"', `SLEEP_S: "0"\n  GATE_FILE: ${JSON.stringify(gate)}`));
  const doc = await vscode.workspace.openTextDocument(config);
  const edit = new vscode.WorkspaceEdit();
  edit.insert(doc.uri, doc.positionAt(doc.getText().length), '# written for an attach test\n');
  await vscode.workspace.applyEdit(edit);
  await doc.save();
  return { config, dir, open: () => fs.writeFileSync(gate, '') };
}

/** The CLI in a process of its own, as a user starts it in a terminal. */
function cli(config: string): { child: ChildProcess; exit: Promise<number | null>; output: () => string } {
  const script = path.join(vscode.extensions.getExtension(EXT_ID)!.extensionPath, 'bin', 'pq-orchestrator.js');
  const child = spawn(process.execPath, [script, '--config', config], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, exit: new Promise((r) => child.on('close', (c) => r(c))), output: () => out };
}

const attachedRun = (a: PqoApi, name: string) => a.store.runs.find((r) => r.name === name && r.owner);
const describe_ = (a: PqoApi, run: RunView) => String(a.tree.getTreeItem(a.tree.runNode(run)).description);

/** What the view shows equals the record replayed (the attached path is the replay path). */
function sameAsReplay(run: RunView): void {
  const loaded = loadPlan(run.configFile, { purpose: 'edit' });
  assert.equal(loaded.kind, 'plan');
  const replayed = recordedState(readRecord(path.dirname(run.recordFile!))!, (loaded as Extract<typeof loaded, { kind: 'plan' }>).plan);
  const cells = (s: typeof replayed) => [...s.cells.values()].map((c) => [c.cell.queryName, c.state, c.attempt, c.serial]);
  assert.deepEqual(cells(run.state), cells(replayed));
  assert.deepEqual(run.state.counts, replayed.counts);
}

function cleanUp(a: PqoApi, dir: string): void {
  for (const r of [...a.store.runs]) if (r.configFile.startsWith(dir + path.sep)) a.store.remove(r);
  fs.rmSync(dir, { recursive: true, force: true });
}

describe('runs that outlive the editor: attached through their records', function () {
  this.timeout(240_000);

  it('a CLI run started outside the editor shows live (who runs it, cell by cell), then finished, as its record replays', async () => {
    const a = await api();
    const g = await gated('attachcli');
    const run = cli(g.config);
    try {
      const view = await waitFor(() => attachedRun(a, 'attachcli'), 'the CLI run to appear in the Runs view');
      assert.equal(view.owner?.pid, run.child.pid);
      assert.equal(view.owner?.pidStart, processStartTime(run.child.pid!));
      assert.ok(view.attached);
      await waitFor(() => a.store.counts(view).active === 3, 'three cells running (held at the gate)');
      assert.match(describe_(a, view), new RegExp(`^0/6 · running · CLI pid ${run.child.pid} · started`), 'the tree says who runs it');
      await waitFor(() => a.contextKeys.get('runActive'), 'Stop to be offered');
      g.open();
      assert.equal(await run.exit, 2, run.output());
      await waitFor(() => view.phase === 'finished' && !view.attached, 'the run to finish in the view');
      assert.match(describe_(a, view), /^5\/6 · 1 failed/);
      assert.equal(view.summary?.failedExecution, 1);
      sameAsReplay(view);
      assert.equal(a.store.runs.filter((r) => r.id === view.id).length, 1, 'shown once');
    } finally {
      g.open();
      run.child.kill('SIGKILL');
      cleanUp(a, g.dir);
    }
  });

  it('Stop on an attached CLI run: graceful as Ctrl+C (exit 4, resumable), the view says stopped', async () => {
    const a = await api();
    const g = await gated('attachstop');
    const run = cli(g.config);
    try {
      const view = await waitFor(() => attachedRun(a, 'attachstop'), 'the CLI run to appear');
      await waitFor(() => a.store.counts(view).active === 3, 'three cells running');
      await vscode.commands.executeCommand('pqOrchestrator.stop', a.tree.runNode(view));
      await waitFor(() => view.phase === 'stopping', 'the view to say stopping (the record says Stop was asked)');
      g.open(); // graceful: what runs finishes
      assert.equal(await run.exit, 4, run.output());
      assert.match(run.output(), /Shutdown signal received|stopping/i);
      await waitFor(() => view.phase === 'finished', 'the view to finish');
      assert.equal(view.summary?.interrupted, 'graceful');
      assert.equal(view.summary?.notStarted, 3, 'three cells left to resume');
      assert.match(describe_(a, view), /stopped/);
      sameAsReplay(view);
    } finally {
      g.open();
      run.child.kill('SIGKILL');
      cleanUp(a, g.dir);
    }
  });

  it('two runs at once, each attached; a torn line waits for its end; a record replaced mid-run is reported and the view kept', async () => {
    const a = await api();
    const g1 = await gated('attachtwo1');
    const g2 = await gated('attachtwo2');
    const r1 = cli(g1.config);
    const r2 = cli(g2.config);
    try {
      const v1 = await waitFor(() => attachedRun(a, 'attachtwo1'), 'the first run');
      const v2 = await waitFor(() => attachedRun(a, 'attachtwo2'), 'the second run');
      await waitFor(() => a.store.counts(v1).active === 3 && a.store.counts(v2).active === 3, 'both running');
      assert.ok(v1.attached && v2.attached);
      // The second run's record is replaced under the view (say, a sync tool rewrote it): reported, not a crash.
      const file = v2.recordFile!;
      const copy = `${file}.copy`;
      fs.copyFileSync(file, copy);
      fs.renameSync(copy, file);
      await waitFor(() => !v2.attached, 'the replaced record to be let go');
      assert.equal(a.store.counts(v2).active, 3, 'what was read is kept');
      g1.open();
      g2.open();
      assert.equal(await r1.exit, 2);
      assert.equal(await r2.exit, 2);
      await waitFor(() => v1.phase === 'finished', 'the first run to finish in the view');
      sameAsReplay(v1);
      assert.notEqual(v2.phase, 'finished', 'the replaced one was not followed further');
    } finally {
      g1.open();
      g2.open();
      r1.child.kill('SIGKILL');
      r2.child.kill('SIGKILL');
      cleanUp(a, g1.dir);
      cleanUp(a, g2.dir);
    }
  });

  it('a torn last line waits for its newline; a run whose owner dies is marked interrupted, resumable', async () => {
    const a = await api();
    const g = await gated('attachtorn');
    const run = cli(g.config);
    try {
      const view = await waitFor(() => attachedRun(a, 'attachtorn'), 'the CLI run');
      await waitFor(() => a.store.counts(view).active === 3, 'three cells running');
      run.child.kill('SIGKILL'); // the owner goes without an end line (a closed laptop, kill -9)
      await run.exit;
      // A line half written by a writer that died mid-line stays unread; nothing is made of it.
      fs.appendFileSync(view.recordFile!, '{"t":"finished","i":0,"o":"succ');
      await waitFor(() => view.interrupted, 'the run to be marked interrupted');
      assert.equal(view.phase, 'finished');
      assert.match(describe_(a, view), /interrupted/);
      assert.equal(a.store.counts(view).succeeded, 0, 'the torn line was not taken');
      assert.ok(!a.store.runs.some((r) => r.phase !== 'finished' && r.id === view.id));
    } finally {
      g.open();
      cleanUp(a, g.dir);
    }
  });

  it('a run of this window names an editor window as its owner, is not attached to itself, and stops on a stop request from another window', async () => {
    const a = await api();
    const g = await gated('attachself');
    try {
      const active = await a.runs.start(vscode.Uri.file(g.config));
      assert.ok(active);
      await waitFor(() => a.store.counts(active.view).active === 3, 'three cells running');
      const rec = readRecord(path.dirname(active.view.recordFile!))!;
      assert.equal(rec.owner?.via, 'editor', 'a window is not a terminal: Stop from elsewhere must not signal it');
      assert.equal(rec.owner?.pid, process.pid);
      assert.ok(!a.attached.isAttached(active.view.id), 'not followed through its own record');
      assert.equal(a.store.runs.filter((r) => r.id === active.view.id).length, 1);
      // Another window's Stop: a line in the run folder, read by this window's run within a second.
      requestStop(path.dirname(active.view.recordFile!), 'another window');
      await waitFor(() => active.view.phase === 'stopping', 'the run to stop as a first Stop does');
      g.open();
      await active.done;
      assert.equal(active.view.summary?.interrupted, 'graceful');
    } finally {
      g.open();
      cleanUp(a, g.dir);
    }
  });

  it('a record written before runs named their owner, never ended, is shown as recorded (finished), not followed as running', async () => {
    const a = await api();
    const g = await gated('attachlegacy');
    try {
      const loaded = loadPlan(g.config, { purpose: 'edit' });
      assert.equal(loaded.kind, 'plan');
      const plan = (loaded as Extract<typeof loaded, { kind: 'plan' }>).plan;
      const dir = path.join(g.dir, '.pq-orchestrator', 'runs', 'attachlegacy', '20240101-000000-000-lgcy');
      fs.mkdirSync(dir, { recursive: true });
      const header = { ...recordHeader(plan, '20240101-000000-000-lgcy'), at: 1_700_000_000_000 };
      fs.writeFileSync(path.join(dir, 'record.jsonl'), `${JSON.stringify(header)}\n{"t":"creating","i":0,"ms":5}\n{"t":"created","i":0,"s":"L1","ms":9}\n`);
      await vscode.commands.executeCommand('pqOrchestrator.loadHistory');
      const run = await waitFor(() => a.store.find('20240101-000000-000-lgcy'), 'the old run to be shown');
      assert.equal(run.phase, 'finished');
      assert.ok(!run.attached && !a.attached.isAttached(run.id), 'not followed');
      assert.equal(a.store.counts(run).active, 0, 'its running cell settled as never finished');
    } finally {
      cleanUp(a, g.dir);
    }
  });

  it('Run in Background: a process of its own, attached, its output in its run folder', async () => {
    const a = await api();
    const g = await gated('attachbg');
    try {
      const pid = await vscode.commands.executeCommand<number>('pqOrchestrator.runInBackground', vscode.Uri.file(g.config));
      assert.ok(pid && pid !== process.pid);
      const view = await waitFor(() => attachedRun(a, 'attachbg'), 'the background run to be attached');
      assert.equal(view.owner?.via, 'background');
      assert.equal(view.owner?.pid, pid);
      assert.ok(!a.runs.active.has(view.id), 'not a run of this window');
      g.open();
      await waitFor(() => view.phase === 'finished', 'the background run to finish in the view');
      assert.equal(view.summary?.succeeded, 5);
      // The CLI prints its summary after its record's last line: waited for, not assumed.
      const log = path.join(path.dirname(view.recordFile!), 'output.log');
      await waitFor(() => fs.existsSync(log) && /Summary of attachbg/.test(fs.readFileSync(log, 'utf8')), 'the summary in the run folder\'s output.log');
      assert.match(fs.readFileSync(log, 'utf8'), /Starting run/);
      sameAsReplay(view);
    } finally {
      g.open();
      cleanUp(a, g.dir);
    }
  });
});
