import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { patchFrom, type GridPatch } from '../../grid/model';
import type { FromPage, ToPage } from '../../grid/protocol';
import { gridPage } from '../../grid/page';
import { formatSummary } from '../../report/lines';
import { cellSource, gridData, showsSerials } from '../../grid/adapter';
import { RefreshScheduler } from '../refresh';
import { latestPicture } from './latestPicture';
import type { RunStore, RunView, StoreChange } from '../runs/runStore';

/** At most this many messages a second reach a panel, each with only the cells that changed since the last. */
export const MAX_MESSAGES_PER_SECOND = 10;

export interface GridActions {
  /** A click: the failed log of a failed cell, else the worker script. */
  open(run: RunView, cell: number): Promise<void>;
  /** "Rerun selected": a new run of exactly these cells of the run's config. */
  rerun(run: RunView, cells: number[]): Promise<void>;
}

/** What a panel's page last said it drew (tests read it; so does the accessible summary). */
export interface Rendered {
  runId: string;
  counts: Record<string, number>;
}


/**
 * The Run Grid panels: one per run opened from that run (the tree, the status bar, a notification), and one per
 * config that follows its latest run (opened from the palette or the editor, like the Test Results view): when a new
 * run of that config starts, the following panel shows it. A resumed run (same run id) replaces its panel's picture.
 */
export class GridPanels implements vscode.Disposable {
  private readonly pinned = new Map<string, GridPanel>();
  private readonly following = new Map<string, GridPanel>();
  private readonly renderedEmitter = new vscode.EventEmitter<Rendered>();
  readonly onDidRender = this.renderedEmitter.event;
  private readonly off: () => void;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: RunStore,
    private readonly actions: GridActions,
  ) {
    this.off = store.onDidChange((c) => {
      if (!c.structure || c.removed || this.store.find(c.run.id) !== c.run) return;
      const same = this.pinned.get(c.run.id);
      if (same && same.run !== c.run) same.show(c.run);
      const follower = this.following.get(c.run.configFile);
      if (follower && follower.run !== c.run) follower.show(c.run);
    });
  }

  /** `follow`: the panel shows the latest run of the run's config from now on. */
  open(run: RunView, options: { follow?: boolean } = {}): GridPanel {
    const map = options.follow ? this.following : this.pinned;
    const key = options.follow ? run.configFile : run.id;
    const existing = map.get(key);
    if (existing) {
      if (existing.run !== run) existing.show(run);
      existing.panel.reveal(undefined, true);
      return existing;
    }
    const p = new GridPanel(this.extensionUri, this.store, run, Boolean(options.follow), this.actions, (r) => this.renderedEmitter.fire(r), () => map.delete(key));
    map.set(key, p);
    return p;
  }

  /** The panel showing this run (pinned to it, or following its config). */
  get(runId: string): GridPanel | undefined {
    return this.pinned.get(runId) ?? [...this.following.values()].find((p) => p.run.id === runId);
  }

  dispose(): void {
    this.off();
    for (const p of [...this.pinned.values(), ...this.following.values()]) p.panel.dispose();
    this.renderedEmitter.dispose();
  }
}

/** A panel's title names the run by its start time, so two panels of one config can be told apart. */
export function gridTitle(run: Pick<RunView, 'name' | 'startedAt'>, follow: boolean): string {
  const d = new Date(run.startedAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  const today = new Date().toDateString() === d.toDateString();
  const when = `${today ? '' : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `}${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `Grid: ${run.name} ${when}${follow ? ' (latest)' : ''}`;
}

export class GridPanel {
  readonly panel: vscode.WebviewPanel;
  lastRendered: Record<string, number> | undefined;
  /** Changed cells, sent as one patch at most every 1/MAX_MESSAGES_PER_SECOND. */
  private readonly patches = new RefreshScheduler<number>((cells) => this.sendPatch(cells ?? []), 1000 / MAX_MESSAGES_PER_SECOND);
  private ready = false;
  private readonly off: () => void;

  private current: RunView;
  /** Whether the page shows the config's latest outcomes (composed across runs) rather than the run alone. */
  private composed = false;

  constructor(
    extensionUri: vscode.Uri,
    store: RunStore,
    run: RunView,
    private readonly follow: boolean,
    private readonly actions: GridActions,
    private readonly rendered: (r: Rendered) => void,
    onDispose: () => void,
  ) {
    this.current = run;
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    this.panel = vscode.window.createWebviewPanel('pqOrchestrator.grid', gridTitle(run, follow), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [dist] });
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'pq.svg');
    const w = this.panel.webview;
    w.html = gridPage({ title: gridTitle(run, follow), nonce: randomBytes(16).toString('base64'), script: { src: w.asWebviewUri(vscode.Uri.joinPath(dist, 'grid.js')).toString() }, cspSource: w.cspSource });
    const offMessages = w.onDidReceiveMessage((m: FromPage) => void this.receive(m));
    const offStore = store.onDidChange((c) => this.onChange(c));
    this.off = () => {
      offMessages.dispose();
      offStore();
    };
    this.panel.onDidDispose(() => {
      this.off();
      this.patches.dispose();
      onDispose();
    });
  }

  /** The run this panel shows. */
  get run(): RunView {
    return this.current;
  }

  /** Shows another run (the resumed run that replaced this one, or a following panel's config's newest run). */
  show(run: RunView): void {
    this.current = run;
    this.panel.title = gridTitle(run, this.follow);
    this.patches.clear();
    if (this.ready) void this.receive({ type: 'ready' });
  }

  private summary(): string {
    const r = this.run;
    if (r.summary) return formatSummary(r.plan, r.summary, r.recordFile, 'editor').trim();
    return r.recordFile ? `record: ${r.recordFile}` : '';
  }

  private live(): boolean {
    return this.run.phase !== 'finished';
  }

  /** Handles what the page sends (its clicks, selection, acknowledgements). */
  async receive(m: FromPage): Promise<void> {
    switch (m.type) {
      case 'ready': {
        // (Again after the panel was hidden and shown: a webview that is not retained starts over.)
        this.ready = true;
        this.patches.clear();
        // A config's grid over a finished rerun of some cells: every cell's latest outcome, not the rerun alone.
        const latest = this.follow ? latestPicture(this.run) : undefined;
        this.composed = Boolean(latest);
        // Kept on the run: a click on a cell an earlier run decided opens that cell's log from that run.
        this.run.latest = latest?.latest;
        const summary = latest ? `${this.summary()}\n${latest.note}` : this.summary();
        this.post({ type: 'init', data: gridData(this.run.plan, latest?.state ?? this.run.state, { runId: this.run.id, summary, live: this.live(), interactive: true, t0: latest?.t0 ?? this.run.startedAt }) });
        break;
      }
      case 'open':
        if (Number.isInteger(m.cell)) await this.actions.open(this.run, m.cell);
        break;
      case 'rerun':
        if (Array.isArray(m.cells) && m.cells.length) await this.actions.rerun(this.run, m.cells.filter((i) => Number.isInteger(i)));
        break;
      case 'copy': {
        if (!Array.isArray(m.cells)) break;
        const names = m.cells.map((i) => this.run.plan.cells[i]?.queryName).filter((n): n is string => !!n);
        await vscode.env.clipboard.writeText(names.join('\n'));
        void vscode.window.setStatusBarMessage(`Copied ${names.length} query name${names.length === 1 ? '' : 's'}`, 3000);
        break;
      }
      case 'rendered':
        this.lastRendered = m.counts;
        this.rendered({ runId: this.run.id, counts: m.counts });
        break;
    }
  }

  private onChange(c: StoreChange): void {
    if (c.run !== this.run || !this.ready) return;
    // The rerun this config's grid follows has ended: drawn again as the latest outcome of every cell.
    if (this.follow && !this.composed && c.run.phase === 'finished' && latestPicture(c.run)) return void this.receive({ type: 'ready' });
    // A change without a cell (the run's end, its summary) still needs a message: an empty patch carries it.
    this.patches.mark(c.cell ?? -1);
  }

  private sendPatch(cells: number[]): void {
    const sources = [];
    for (const i of cells) {
      const rec = i >= 0 ? this.run.byIndex.get(i) : undefined;
      if (rec) sources.push(cellSource(rec, showsSerials(this.run.plan)));
    }
    const live = this.live();
    const patch: GridPatch = patchFrom(this.run.startedAt, sources, Date.now(), live, live ? undefined : this.summary());
    this.post({ type: 'patch', patch });
  }

  private post(message: ToPage): void {
    void this.panel.webview.postMessage(message);
  }
}
