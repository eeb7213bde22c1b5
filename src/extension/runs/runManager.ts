import { leftWords } from './statusText';
import { progressOf } from '../../runModel/runState';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackendName } from '../../config/types';
import { eventLine, formatSummary, stoppedWords } from '../../report/lines';
import { formatPlanText } from '../../report/plan';
import type { RunSummary } from '../../runModel/events';
import { planPreview } from '../../session/cellOrder';
import type { RunMode } from '../../session/prepare';
import { RunSession } from '../../session/session';
import { runsRoot } from '../../record/runs';
import type { Plan } from '../../plan/plan';
import { redact } from '../../util/redact';
import type { Credentials } from './credentials';
import type { RunStore, RunView } from './runStore';
import type { LogLevel } from '../../util/log';
import { plain } from '../plainText';
import { loadForRun } from './loadForRun';

export interface ActiveRun {
  view: RunView;
  session: RunSession;
  done: Promise<void>;
}

/** What a finished or refused run offers to open: the views around the run manager, given by the extension. */
export interface RunNeighbours {
  openGrid(runId: string): void;
  /** Loads the configs' recorded runs into the Runs view (another process holds a config's lock). */
  showRecordedRuns(): void;
  showRuns(): void;
}

/**
 * Starts runs of a config in the extension host with a cancellable progress notification (first cancel graceful,
 * second forceful), a status bar item with live counts, and the CLI's log lines in a LogOutputChannel.
 */
export class RunManager implements vscode.Disposable {
  readonly active = new Map<string, ActiveRun>();
  private readonly planProvider: vscode.Disposable;
  private readonly plans = new Map<string, string>();
  private readonly planEmitter = new vscode.EventEmitter<vscode.Uri>();
  private readonly activeEmitter = new vscode.EventEmitter<void>();
  /** A run started or ended (context keys follow it). */
  readonly onDidChangeActive = this.activeEmitter.event;

  constructor(
    private readonly store: RunStore,
    private readonly credentials: Credentials,
    readonly log: vscode.LogOutputChannel,
    private readonly backend: () => BackendName | undefined,
    private readonly neighbours: RunNeighbours,
  ) {
    this.planProvider = vscode.workspace.registerTextDocumentContentProvider('pqo-plan', {
      onDidChange: this.planEmitter.event,
      provideTextDocumentContent: (uri) => this.plans.get(uri.toString()) ?? '',
    });
  }

  /** Loads the config to run it (see `loadForRun`); undefined when it cannot run (the user was told why). */
  async loadPlan(uri: vscode.Uri, purpose: 'run' | 'dry-run' | 'check-server'): Promise<Plan | undefined> {
    return (await loadForRun(uri, purpose, this.credentials, this.backend()))?.plan;
  }

  async dryRun(uri: vscode.Uri): Promise<vscode.TextDocument | undefined> {
    const plan = await this.loadPlan(uri, 'dry-run');
    if (!plan) return undefined;
    const doc = vscode.Uri.from({ scheme: 'pqo-plan', path: `/${plan.name}.plan.txt` });
    const { order, text } = planPreview(plan, runsRoot(plan.config.file, plan.name));
    this.plans.set(doc.toString(), formatPlanText(plan, { base: vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath), order: { note: order.note, first: order.cells.slice(0, 3).map((c) => c.queryName) }, forecast: text }));
    this.planEmitter.fire(doc);
    const shown = await vscode.workspace.openTextDocument(doc);
    await vscode.window.showTextDocument(shown, { preview: true });
    return shown;
  }

  /** Logs in to the config's server, checks the config against it and shows the report in a document. */
  async checkServer(uri: vscode.Uri): Promise<vscode.TextDocument | undefined> {
    const plan = await this.loadPlan(uri, 'check-server');
    if (!plan) return undefined;
    const { checkServer } = await import('../../controllers/dhe/serverCheck');
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `PQ Orchestrator: checking ${plan.config.deephaven?.connection_url ?? 'the server'}`, cancellable: true },
      (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort(new Error('cancelled')));
        return checkServer(plan, { runDir: '', signal: abort.signal, log: (level, m) => this.log[level === 'warning' ? 'warn' : level](redact(m, plan.config.secrets)) });
      },
    );
    const doc = vscode.Uri.from({ scheme: 'pqo-plan', path: `/${plan.name}.server-check.txt` });
    this.plans.set(doc.toString(), report.text);
    this.planEmitter.fire(doc);
    const shown = await vscode.workspace.openTextDocument(doc);
    await vscode.window.showTextDocument(shown, { preview: true });
    const n = report.mismatches.length;
    if (n) void vscode.window.showWarningMessage(`Server check for ${plan.name}: ${n} mismatch${n === 1 ? '' : 'es'} (listed at the end of the report).`);
    else void vscode.window.showInformationMessage(`Server check for ${plan.name}: the server accepts this config.`);
    return shown;
  }

  /** Starts a run; resolves once it has started (or could not), with the run. */
  async start(uri: vscode.Uri, mode: RunMode = 'new', only?: readonly string[]): Promise<ActiveRun | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage('PQ Orchestrator runs nothing in an untrusted workspace. Trust this folder to run orchestrations; validation keeps working.');
      return undefined;
    }
    const running = [...this.active.values()].find((r) => r.view.configFile === uri.fsPath);
    if (running) {
      void vscode.window.showWarningMessage(`${running.view.name} is already running from ${vscode.workspace.asRelativePath(uri)}; stop it first.`);
      return undefined;
    }
    const plan = await this.loadPlan(uri, 'run');
    if (!plan) return undefined;
    const secrets = plan.config.secrets;
    // The output channel's own level (Developer: Set Log Level) decides what shows; the deprecated
    // pqOrchestrator.logLevel "debug" still works by writing debug lines at info.
    const legacyDebug = vscode.workspace.getConfiguration('pqOrchestrator').get<string>('logLevel') === 'debug';
    const say = (level: LogLevel, message: string) => {
      const m = redact(message, secrets);
      if (level === 'debug') {
        if (legacyDebug) this.log.info(`debug: ${m}`);
        else this.log.debug(m);
      } else if (level === 'info') this.log.info(m);
      else if (level === 'warning') this.log.warn(m);
      else this.log.error(m);
    };
    // Connecting happens under the notification too, so its Cancel reaches the login (an AbortSignal).
    const abort = new AbortController();
    let started!: (run: ActiveRun | undefined) => void;
    const result = new Promise<ActiveRun | undefined>((r) => (started = r));
    let ended!: () => void;
    const done = new Promise<void>((r) => (ended = r));
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `PQ Orchestrator: ${plan.name}`, cancellable: true }, async (progress, token) => {
      let runId: string | undefined;
      const offCancel = token.onCancellationRequested(() => (runId ? void this.stop(runId) : abort.abort(new Error('cancelled while connecting'))));
      const offs: (() => void)[] = [() => offCancel.dispose()];
      try {
        progress.report({ message: plan.config.backend === 'dhe' ? 'connecting to the server' : 'starting' });
        const opened = await RunSession.open(plan, { mode, only, log: say, signal: abort.signal, via: 'editor' }).catch((e: Error) => ({ kind: 'stop' as const, level: 'error' as const, message: e.message, exitCode: 4, busy: false }));
        if (!(opened instanceof RunSession)) {
          this.notifyNotStarted(opened, say, secrets, abort.signal.aborted, uri, plan.config.backend === 'dhe');
          started(undefined);
          return;
        }
        const session = opened;
        const view = this.store.addLive(session);
        runId = view.id;
        const total = session.engine.cells.length;
        let last = 0;
        // At most four progress reports a second: each is a message to the workbench.
        let reportedAt = 0;
        offs.push(
          session.engine.on((e) => {
            this.store.apply(view, e);
            const line = eventLine(e, total, session.engine.state.created, 'editor');
            if (e.type === 'cancel-requested') progress.report({ message: e.stage === 'graceful' ? 'stopping: running cells finish (Stop Run again deletes them)' : 'stopping and deleting the running cells' });
            // One line per cell is detail in the editor (the tree shows it): debug. Problems stay at their level.
            if (line) say(line.level === 'info' && 'cell' in e ? 'debug' : line.level, line.text);
            if (e.type !== 'cell-finished' || e.at - reportedAt < 250) return;
            reportedAt = e.at;
            // Stopped and never-started cells are done too: a stopped run's notification reaches its end.
            const p = progressOf(view.state.counts);
            progress.report({ message: `${p.done}/${p.total} done, ${p.failed} failed${p.stopped ? `, ${p.stopped} stopped` : ''}${leftWords(p.done < p.total ? view.timeLeft?.() : undefined)}`, increment: ((p.done - last) / Math.max(1, p.total)) * 100 });
            last = p.done;
          }),
        );
        const active: ActiveRun = { view, session, done };
        this.active.set(view.id, active);
        this.activeEmitter.fire();
        started(active);
        try {
          const summary = await session.run();
          this.log.info(redact(formatSummary(plan, summary, session.recordFile, 'editor'), secrets));
          this.notifyFinished(uri, plan.name, summary, view.id);
        } catch (e) {
          say('error', `the run failed: ${(e as Error).message}`);
        } finally {
          this.active.delete(view.id);
          this.activeEmitter.fire();
        }
      } finally {
        for (const off of offs) off();
        started(undefined);
        ended();
      }
    });
    return result;
  }

  private notifyNotStarted(opened: { level: 'info' | 'error'; message: string; busy?: boolean; offer?: RunMode }, say: (level: 'info' | 'error', m: string) => void, secrets: readonly string[], cancelled: boolean, uri: vscode.Uri, dhe = false): void {
    if (cancelled) {
      say('info', 'the run was cancelled while connecting; nothing was created');
      void vscode.window.showInformationMessage('PQ Orchestrator: cancelled while connecting; nothing was created.');
      return;
    }
    say(opened.level, opened.message);
    const message = plain(`PQ Orchestrator: ${redact(opened.message, secrets)}`);
    if (opened.busy) {
      // Another process (a CLI run, another window) holds this config's run lock: offer to look at its runs.
      void vscode.window.showErrorMessage(message, 'Show Recorded Runs').then((choice) => {
        if (choice) this.neighbours.showRecordedRuns();
      });
    } else if (opened.offer === 'rerun-remaining') {
      // Not a dead end: the run's remaining cells can run with the script as it is now.
      void vscode.window.showWarningMessage(message, 'Run Remaining Cells (Current Script)').then((b) => {
        if (b) void this.start(uri, 'rerun-remaining');
      });
    } else if (opened.level === 'error') {
      // Never a dead end: the whole story is in the output; a server problem is what Check Server diagnoses.
      const actions = dhe ? ['Show Output', 'Check Server'] : ['Show Output'];
      void vscode.window.showErrorMessage(message, ...actions).then((b) => {
        if (b === 'Show Output') this.log.show(true);
        if (b === 'Check Server') void this.checkServer(uri);
      });
    }
    else void vscode.window.showInformationMessage(message);
  }

  notifyFinished(uri: vscode.Uri, name: string, summary: RunSummary, runId: string): void {
    const failed = summary.failedCreation + summary.failedExecution;
    if (summary.interrupted) {
      // The user's own Stop: said in their words, with the way to go on.
      const b = summary.notStarted + summary.cancelled > 0 ? ['Resume', 'Open Grid'] : ['Open Grid'];
      void vscode.window.showInformationMessage(`${name}: ${stoppedWords(summary)}.`, ...b).then((c) => {
        if (c === 'Resume') void this.start(uri, 'resume');
        if (c === 'Open Grid') this.neighbours.openGrid(runId);
      });
      return;
    }
    const text = `${name}: ${summary.succeeded}/${summary.cells} succeeded${failed ? `, ${failed} failed` : ''}${summary.interrupted ? ' (stopped)' : ''}.`;
    const grid = () => this.neighbours.openGrid(runId);
    if (!failed) {
      void vscode.window.showInformationMessage(text, 'Open Grid').then((b) => b && grid());
      return;
    }
    void vscode.window.showWarningMessage(text, 'Show Runs', 'Open Grid', 'Rerun Failed').then((b) => {
      if (b === 'Show Runs') this.neighbours.showRuns();
      if (b === 'Open Grid') grid();
      if (b === 'Rerun Failed') void this.start(uri, 'rerun-failed');
    });
  }

  /**
   * First call: graceful (no new cells; running ones finish). Second: forceful (stop and delete what is running). The
   * run's own progress notification says which, and goes away with the run.
   */
  async stop(runId?: string): Promise<void> {
    const run = runId ? this.active.get(runId) : [...this.active.values()][0];
    if (!run) return;
    run.session.engine.cancel();
  }

  dispose(): void {
    for (const r of this.active.values()) r.session.engine.cancel();
    this.planProvider.dispose();
    this.planEmitter.dispose();
    this.activeEmitter.dispose();
  }
}
