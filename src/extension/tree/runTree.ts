import { progressOf } from '../../runModel/runState';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatDuration } from '../../util/duration';
import { NodeCache } from './nodeCache';
import { logFileOf, type CellView, type RunStore, type RunView } from '../runs/runStore';
import { RefreshScheduler } from '../refresh';
import { describeOwner } from '../../record/owner';

export type Node =
  | { kind: 'run'; id: string; run: RunView }
  | { kind: 'failed'; id: string; run: RunView }
  | { kind: 'date'; id: string; run: RunView; date: string }
  | { kind: 'page'; id: string; run: RunView; date: string; from: number; to: number }
  /** `underFailed`: the copy listed under the run's Failed node (tree ids must be unique). */
  | { kind: 'cell'; id: string; run: RunView; view: CellView; underFailed?: boolean };

/** A date with more partitions than this shows them in pages (partitions 0-199, 200-399, ...). */
export const PAGE_SIZE = 200;

const ICONS: Record<string, [string, string | undefined]> = {
  pending: ['circle-outline', 'disabledForeground'],
  'waiting-retry': ['history', 'charts.yellow'],
  creating: ['loading~spin', 'charts.blue'],
  active: ['sync~spin', 'charts.blue'],
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'charts.orange'],
  'not-started': ['circle-slash', 'disabledForeground'],
};

function icon(state: string): vscode.ThemeIcon {
  const [id, color] = ICONS[state] ?? ['question', undefined];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

function time(ms: number | undefined): string {
  return ms ? new Date(ms).toLocaleTimeString() : '-';
}

/** What people read for a cell's state (never the internal names). */
export const STATE_WORDS: Record<string, string> = {
  pending: 'queued',
  'waiting-retry': 'waiting to retry',
  creating: 'creating',
  active: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'stopped',
  'not-started': 'not started',
};


const FAILED_FIRST = (a: CellView, b: CellView) => Number(b.state === 'failed') - Number(a.state === 'failed') || a.cell.index - b.cell.index;

/**
 * Runs → dates (aggregate counts) → partitions (status icon, serial, attempt; times in the tooltip). Nodes are
 * cached by id so a refresh can name exactly the dates that changed; refreshes are coalesced.
 */
export class RunTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | Node[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly nodes = new NodeCache<Node>();
  readonly scheduler: RefreshScheduler<Node>;
  private readonly off: () => void;
  /** Show only failed cells (and the dates and runs that hold them). */
  private onlyFailures = false;

  constructor(private readonly store: RunStore) {
    this.scheduler = new RefreshScheduler<Node>((items) => this.emitter.fire(items));
    this.off = store.onDidChange((c) => {
      if (c.removed) this.nodes.forgetRun(c.run.id);
      if (c.structure) return this.scheduler.mark(undefined);
      this.scheduler.mark(this.runNode(c.run));
      for (const d of c.dates) this.scheduler.mark(this.dateNode(c.run, d));
    });
  }

  private node<T extends Node>(n: T): T {
    return this.nodes.get(n);
  }

  runNode(run: RunView): Node {
    return this.node({ kind: 'run', id: `run:${run.id}`, run });
  }

  failedNode(run: RunView): Node {
    return this.node({ kind: 'failed', id: `failed:${run.id}`, run });
  }

  pageNode(run: RunView, date: string, from: number): Node {
    const size = this.store.cellsOf(run, date).length;
    return this.node({ kind: 'page', id: `page:${run.id}:${date}:${from}`, run, date, from, to: Math.min(size, from + PAGE_SIZE) - 1 });
  }

  dateNode(run: RunView, date: string): Node {
    return this.node({ kind: 'date', id: `date:${run.id}:${date}`, run, date });
  }

  cellNode(run: RunView, view: CellView): Node {
    return this.node({ kind: 'cell', id: `cell:${run.id}:${view.cell.index}`, run, view });
  }

  get failuresOnly(): boolean {
    return this.onlyFailures;
  }

  setFailuresOnly(on: boolean): void {
    this.onlyFailures = on;
    this.scheduler.mark(undefined);
    this.scheduler.flushNow();
  }

  getChildren(n?: Node): Node[] {
    const f = this.onlyFailures;
    if (!n) return this.store.runs.filter((r) => !f || r.state.counts.failed > 0).map((r) => this.runNode(r));
    if (n.kind === 'run') {
      const dates = n.run.dates.filter((d) => !f || this.store.counts(n.run, d).failed > 0).map((d) => this.dateNode(n.run, d));
      // The failures one click away, however large the run.
      return n.run.state.counts.failed > 0 ? [this.failedNode(n.run), ...dates] : dates;
    }
    if (n.kind === 'failed') return this.failedCells(n.run).map((v) => this.node({ kind: 'cell', id: `fcell:${n.run.id}:${v.cell.index}`, run: n.run, view: v, underFailed: true }));
    if (n.kind === 'date') {
      const all = this.store.cellsOf(n.run, n.date);
      if (all.length > PAGE_SIZE) {
        const pages: Node[] = [];
        for (let from = 0; from < all.length; from += PAGE_SIZE) {
          if (!f || all.slice(from, from + PAGE_SIZE).some((v) => v.state === 'failed')) pages.push(this.pageNode(n.run, n.date, from));
        }
        return pages;
      }
      return this.cellsIn(n.run, all, f);
    }
    if (n.kind === 'page') return this.cellsIn(n.run, this.store.cellsOf(n.run, n.date).slice(n.from, n.to + 1), f);
    return [];
  }

  private cellsIn(run: RunView, cells: readonly CellView[], onlyFailures: boolean): Node[] {
    const sorted = cells.some((v) => v.state === 'failed') ? [...cells].sort(FAILED_FIRST) : cells;
    return sorted.filter((v) => !onlyFailures || v.state === 'failed').map((v) => this.cellNode(run, v));
  }

  /** The run's failed cells in plan order (from the dates that have any). */
  private failedCells(run: RunView): CellView[] {
    const out: CellView[] = [];
    for (const d of run.dates) if (this.store.counts(run, d).failed) for (const v of this.store.cellsOf(run, d)) if (v.state === 'failed') out.push(v);
    return out;
  }

  /** The run's first failed cell (in plan order), as a node to reveal. */
  firstFailure(run: RunView): Node | undefined {
    let first: CellView | undefined;
    for (const d of run.dates) {
      if (!this.store.counts(run, d).failed) continue;
      first = this.store.cellsOf(run, d).find((v) => v.state === 'failed');
      if (first) break;
    }
    return first ? this.cellNode(run, first) : undefined;
  }

  getParent(n: Node): Node | undefined {
    if (n.kind === 'cell' && n.underFailed) return this.failedNode(n.run);
    if (n.kind === 'cell') {
      const cells = this.store.cellsOf(n.run, n.view.cell.date);
      if (cells.length <= PAGE_SIZE) return this.dateNode(n.run, n.view.cell.date);
      const at = cells.indexOf(n.view);
      return this.pageNode(n.run, n.view.cell.date, Math.floor(Math.max(0, at) / PAGE_SIZE) * PAGE_SIZE);
    }
    if (n.kind === 'page') return this.dateNode(n.run, n.date);
    if (n.kind === 'date' || n.kind === 'failed') return this.runNode(n.run);
    return undefined;
  }

  getTreeItem(n: Node): vscode.TreeItem {
    if (n.kind === 'run') {
      const c = this.store.counts(n.run);
      const item = new vscode.TreeItem(n.run.name, n.run === this.store.runs[0] ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      // Derived from the cells, so a run read back from its record reads the same as one watched live.
      const stopped = n.run.state.cancel !== false || progressOf(n.run.state.counts).stopped > 0;
      const finished = n.run.phase === 'finished';
      const phase = n.run.interrupted ? 'interrupted' : finished ? (stopped ? 'stopped' : c.failed ? undefined : 'done') : n.run.phase;
      // Who runs a run followed from its record (another window, a terminal, a background run), and since when.
      const by = n.run.owner && !finished ? `${n.run.owner.via === 'cli' ? 'CLI' : n.run.owner.via} pid ${n.run.owner.pid}` : undefined;
      // Counts first: the description is cut at the right edge.
      item.description = [`${c.succeeded}/${c.total}`, c.failed ? `${c.failed} failed` : undefined, phase, by, `started ${time(n.run.startedAt)}`].filter(Boolean).join(' · ');
      item.iconPath = finished ? icon(c.failed ? 'failed' : stopped ? 'cancelled' : 'succeeded') : icon('active');
      const record = (n.run.owner ? `\n\n${n.run.interrupted ? 'was run' : 'run'} by ${describeOwner(n.run.owner)} since ${time(n.run.owner.startedAt)}` : '') + (n.run.recordFile ? `\n\nrecord: ${n.run.recordFile}` : '');
      item.tooltip = new vscode.MarkdownString(`**${n.run.name}** (run ${n.run.id}) · ${n.run.mode}, ${n.run.backend}\n\n${path.basename(n.run.configFile)} · started ${time(n.run.startedAt)}\n\n${c.succeeded} succeeded, ${c.failed} failed, ${c.active} running, ${c.pending} waiting of ${c.total}${n.run.interrupted && n.run.interruptedNote ? `\n\n${n.run.interruptedNote}` : ''}${record}`);
      item.contextValue = `pqoRun ${n.run.phase}${c.failed ? ' hasFailures' : ''}${n.run.attached ? ' attached' : ''}`;
      item.id = n.id;
      return item;
    }
    if (n.kind === 'failed') {
      const failed = n.run.state.counts.failed;
      const item = new vscode.TreeItem(`Failed (${failed})`, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = 'every failed partition of this run';
      item.iconPath = icon('failed');
      item.contextValue = 'pqoFailed';
      item.id = n.id;
      return item;
    }
    if (n.kind === 'page') {
      const cells = this.store.cellsOf(n.run, n.date).slice(n.from, n.to + 1);
      const failed = cells.filter((v) => v.state === 'failed').length;
      const ok = cells.filter((v) => v.state === 'succeeded').length;
      const item = new vscode.TreeItem(`partitions ${cells[0]?.cell.partition ?? n.from}-${cells[cells.length - 1]?.cell.partition ?? n.to}`, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = [`${ok}/${cells.length}`, failed ? `${failed} failed` : undefined].filter(Boolean).join(' · ');
      item.iconPath = icon(failed ? 'failed' : ok === cells.length ? 'succeeded' : 'pending');
      item.contextValue = 'pqoPage';
      item.id = n.id;
      return item;
    }
    if (n.kind === 'date') {
      const c = this.store.counts(n.run, n.date);
      const item = new vscode.TreeItem(n.date, vscode.TreeItemCollapsibleState.Collapsed);
      const parts = [`${c.succeeded}/${c.total}`];
      if (c.failed) parts.push(`${c.failed} failed`);
      if (c.active) parts.push(`${c.active} running`);
      const ended = c.total - c.succeeded - c.failed - c.active - c.pending;
      if (ended > 0 && !c.active && !c.pending) parts.push('stopped');
      item.description = parts.join(' · ');
      item.iconPath = icon(c.failed ? 'failed' : c.succeeded === c.total ? 'succeeded' : c.active ? 'active' : c.pending ? 'pending' : 'cancelled');
      item.contextValue = 'pqoDate';
      item.id = n.id;
      return item;
    }
    const v = n.view;
    // Under the Failed node a cell is named with its date: the list spans dates.
    const item = new vscode.TreeItem(n.underFailed ? `${v.cell.date} · partition ${v.cell.partition}` : `partition ${v.cell.partition}`, vscode.TreeItemCollapsibleState.None);
    const words = STATE_WORDS[v.state] ?? v.state;
    const bits = [v.state === 'active' && v.status ? v.status : words];
    // A local serial is an internal number: only Deephaven's means something to people.
    if (v.serial && n.run.backend === 'dhe') bits.push(`serial ${v.serial}`);
    if (v.attempt > 1) bits.push(`attempt ${v.attempt}`);
    if (v.createdAt) bits.push(formatDuration((v.endedAt ?? Date.now()) - v.createdAt));
    item.description = bits.join(' · ');
    item.iconPath = icon(v.state);
    const serial = n.run.backend === 'dhe' ? v.serial : undefined;
    const md = new vscode.MarkdownString(`**${v.cell.queryName}**\n\n${words}${v.status ? ` (${v.status})` : ''} · attempt ${v.attempt || '-'}${serial ? ` · serial ${serial}` : ''}\n\ncreated ${time(v.createdAt)} · ended ${time(v.endedAt)}`);
    if (v.detail && v.state === 'failed') md.appendCodeblock(v.detail.split('\n').slice(-8).join('\n'), 'text');
    item.tooltip = md;
    item.contextValue = `pqoCell ${v.state}${serial ? ' hasSerial' : ''}${v.state === 'failed' || logFileOf(n.run, v) ? ' hasLog' : ''}`;
    item.id = n.id;
    if (v.state === 'failed') item.command = { command: 'pqOrchestrator.openFailedLog', title: 'Open failed log', arguments: [n] };
    return item;
  }

  dispose(): void {
    this.off();
    this.scheduler.dispose();
    this.emitter.dispose();
  }
}
