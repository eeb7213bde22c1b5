import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadPlan } from '../../plan/load';
import type { Plan } from '../../plan/plan';
import { RecordFollower, recordEnded } from '../../record/follow';
import { RunsWatcher } from '../../record/runsWatcher';
import { runsRoot } from '../../record/runs';
import type { ConfigFiles } from '../language/configFiles';
import type { RecordLine } from '../../record/format';
import { describeOwner, ownerLiveness, requestStop, type RunOwner } from '../../record/owner';
import { followedRun, recordedSummary } from '../../record/replay';
import { settleInterrupted } from '../../runModel/runState';
import type { RunSummary } from '../../runModel/events';
import { liveLogFinder } from './history';
import type { RunStore, RunView } from './runStore';

/** What an attached run tells the rest of the editor: it finished (notify as for a run of this window), or was interrupted. */
export interface AttachNeighbours {
  finished(configFile: string, name: string, summary: RunSummary, runId: string): void;
  /** `live`: the serials of its queries being created or running when its owner went (on a server they may still run). */
  interrupted(run: RunView, live: string[]): void;
  log: vscode.LogOutputChannel;
}

interface Following {
  follower: RecordFollower;
  view?: RunView;
  /** The state its lines build, and each line as an event (from the header on). */
  run?: ReturnType<typeof followedRun>;
  signals: number;
  timer?: NodeJS.Timeout;
}

/** How often runs folders are looked at where the file system gives no notifications. */
const POLL_S = 2;

/** How often an attached run's owner is checked for being alive (a pid and its start time: no file is read). */
export const OWNER_CHECK_MS = 2000;

/**
 * Runs that another process runs (the CLI in a terminal, a background run, another window), followed through their
 * records as they grow: the same store and reducer as a run of this window, so the tree, the grid, the status bar and
 * the notifications work alike. A run whose owner goes away before its end line is marked interrupted.
 */
export class AttachedRuns implements vscode.Disposable {
  private readonly following = new Map<string, Following>();

  constructor(private readonly store: RunStore, private readonly neighbours: AttachNeighbours, private readonly pollMs = 2000) {}

  /** Records being followed, by record file. */
  get size(): number {
    return this.following.size;
  }

  isFollowing(recordFile: string): boolean {
    return this.following.has(recordFile);
  }

  isAttached(runId: string): boolean {
    return [...this.following.values()].some((f) => f.view?.id === runId);
  }

  /**
   * Follows a record from its first line. Skipped (undefined) when it is already followed, or when it turns out to be
   * this window's own run. Returns the view once the header was read (later, for a record still empty).
   */
  attach(recordFile: string): RunView | undefined {
    if (this.following.has(recordFile)) return this.following.get(recordFile)!.view;
    const entry: Following = { follower: new RecordFollower(recordFile, {
      line: (l) => this.onLine(entry, l),
      problem: (message, fatal) => {
        this.neighbours.log[fatal ? 'warn' : 'info'](message);
        if (fatal) this.detach(recordFile, 'record');
      },
    }, { pollMs: this.pollMs }), signals: 0 };
    this.following.set(recordFile, entry);
    try {
      entry.follower.start();
    } catch (e) {
      this.following.delete(recordFile);
      this.neighbours.log.warn(`cannot follow ${recordFile}: ${(e as Error).message}`);
      return undefined;
    }
    if (!this.following.has(recordFile)) return undefined; // ours, or unreadable
    if (entry.follower.mode === 'poll') this.neighbours.log.info(`${recordFile}: no file notifications on this file system; read every ${entry.follower.interval / 1000} s`);
    entry.timer = setInterval(() => this.checkOwner(recordFile), OWNER_CHECK_MS);
    entry.timer.unref();
    if (entry.view) this.checkOwner(recordFile);
    return entry.view;
  }

  private onLine(entry: Following, line: RecordLine): void {
    const file = entry.follower.file;
    if (line.t === 'run') {
      const owner = entry.follower.owner;
      if (owner && isThisProcess(owner)) return this.detach(file, 'ours');
      // A record written before runs named their owner: nobody can tell whether it still runs; shown as recorded.
      if (!owner) return this.detach(file, 'unowned');
      const p = loadPlanOf(line.config);
      if (!p) {
        this.neighbours.log.warn(`${file}: its config ${line.config} cannot be read now; not followed`);
        return this.detach(file, 'record');
      }
      entry.run = followedRun(line, p);
      entry.view = this.store.addAttached(p, line, entry.run.state, { recordFile: file, ...(owner ? { owner } : {}), logOf: liveLogFinder(path.dirname(file)) });
    }
    const r = entry.run;
    const view = entry.view;
    if (!r || !view) return;
    if (line.t === 'resume') {
      view.owner = entry.follower.owner;
      view.interrupted = false;
    }
    const e = r.event(line);
    if (e) this.store.apply(view, e);
    if (line.t === 'end') {
      // The summary as the CLI's --report derives it (with its failures), then notified as a run of this window.
      const summary = recordedSummary(r.state, [{ dir: path.dirname(file), header: entry.follower.header!, ended: line, lines: [], warnings: [] }]);
      view.summary = summary;
      this.detach(file, 'ended');
      this.neighbours.finished(view.configFile, view.name, summary, view.id);
    }
  }

  /** The owner went away without an end line: the run is interrupted (settled as a record read later is). */
  private checkOwner(file: string): void {
    const entry = this.following.get(file);
    const owner = entry?.follower.owner;
    if (!entry?.view || !owner) return;
    entry.follower.read(); // lines written just before it went
    if (!this.following.has(file) || ownerLiveness(owner) !== 'gone') return;
    const view = entry.view;
    this.detach(file, 'interrupted');
    const live: string[] = [];
    for (const c of view.state.cells.values()) if ((c.state === 'active' || c.state === 'creating') && c.serial) live.push(c.serial);
    settleInterrupted(view.state);
    view.interrupted = true;
    this.store.touch(view);
    this.neighbours.interrupted(view, live);
  }

  private detach(file: string, why: keyof typeof DETACHED): void {
    const entry = this.following.get(file);
    if (!entry) return;
    this.following.delete(file);
    // Said in the output, so "why does this run no longer move" has an answer (a record's problems were said already).
    if (DETACHED[why]) this.neighbours.log.info(`${file}: no longer followed: ${DETACHED[why]}`);
    entry.follower.stop();
    if (entry.timer) clearInterval(entry.timer);
    if (entry.view) {
      entry.view.attached = false;
      this.store.touch(entry.view);
    }
  }

  /**
   * Stop on an attached run asks its owner: a terminal or background process on this host by SIGINT (as Ctrl+C:
   * the first graceful, the second forced); an editor window or a process on another host through a stop request
   * in the run folder, which the owner reads within a second.
   */
  stop(runId: string): string | undefined {
    const entry = [...this.following.values()].find((f) => f.view?.id === runId);
    const owner = entry?.follower.owner;
    if (!entry || !owner) return undefined;
    entry.signals++;
    const stage = entry.signals === 1 ? 'stop (running cells finish)' : 'stop now (running cells are deleted)';
    if (owner.via !== 'editor' && ownerLiveness(owner) === 'alive') {
      process.kill(owner.pid, 'SIGINT');
      return `asked ${describeOwner(owner)} to ${stage} with SIGINT`;
    }
    requestStop(path.dirname(entry.follower.file), `an editor on ${os.hostname()} (pid ${process.pid})`);
    return `asked ${describeOwner(owner)} to ${stage} through a stop request in its run folder`;
  }

  dispose(): void {
    for (const file of [...this.following.keys()]) this.detach(file, 'disposed');
  }
}

/** Why a record stopped being followed, as the output says it ('' when nothing is worth saying). */
const DETACHED = {
  ended: 'the run ended',
  interrupted: 'its owner is gone before the run ended (interrupted)',
  unowned: 'written before runs named their owner, so nobody can tell whether it still runs; shown as recorded',
  record: '',
  ours: '',
  disposed: '',
} as const;

function loadPlanOf(configFile: string) {
  const l = loadPlan(configFile, { purpose: 'edit' });
  return l.kind === 'plan' ? l.plan : undefined;
}

function isThisProcess(o: RunOwner): boolean {
  return o.pid === process.pid && o.host === os.hostname();
}

/**
 * Attaches to runs as their records appear or grow again (a run started in a terminal, a resume of an ended run),
 * under the runs folders of the workspace's configs (`RunsWatcher`: file system notifications, nothing read while
 * nothing changes). `inWindow`: a run this window runs. `update` re-reads which folders to watch (configs change).
 */
export function watchRunRecords(attached: AttachedRuns, inWindow: (runId: string) => boolean, files: ConfigFiles, log: vscode.LogOutputChannel): vscode.Disposable & { update(): Promise<Map<string, Plan>> } {
  let saidPoll = false;
  const watcher = new RunsWatcher((file) => {
    if (attached.isFollowing(file) || inWindow(path.basename(path.dirname(file))) || recordEnded(file)) return;
    attached.attach(file);
  }, POLL_S * 1000);
  // Returns the configs it planned (file → plan), so that activation loads the last runs without planning again.
  const update = async () => {
    const roots: string[] = [];
    const plans = new Map<string, Plan>();
    for (const uri of await files.findAll()) {
      const l = loadPlan(uri.fsPath, { purpose: 'edit' });
      if (l.kind !== 'plan') continue;
      plans.set(uri.fsPath, l.plan);
      roots.push(runsRoot(l.plan.config.file, l.plan.name));
    }
    watcher.setRoots(roots);
    if (watcher.mode === 'poll' && !saidPoll) {
      saidPoll = true;
      log.info(`the file system gives no notifications for the runs folders; runs started elsewhere are looked for every ${POLL_S} s`);
    }
    return plans;
  };
  // A config saved (its name decides its runs folder), added or removed: the folders to watch change.
  const configs = vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}', false, true, false);
  const subs = [configs, configs.onDidCreate(() => void update()), configs.onDidDelete(() => void update()), files.onDidChange(() => void update()), vscode.workspace.onDidSaveTextDocument((d) => files.isConfig(d) && void update())];
  return { update, dispose: () => (subs.forEach((d) => d.dispose()), watcher.dispose()) };
}
