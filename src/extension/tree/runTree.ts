import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CellView, RunStore, RunView } from '../runs/runStore';
import { RefreshScheduler } from './refresh';

export type Node =
  | { kind: 'run'; id: string; run: RunView }
  | { kind: 'date'; id: string; run: RunView; date: string }
  | { kind: 'cell'; id: string; run: RunView; view: CellView };

const ICONS: Record<string, [string, string | undefined]> = {
  pending: ['circle-outline', 'disabledForeground'],
  'waiting-retry': ['history', 'charts.yellow'],
  creating: ['loading~spin', 'charts.blue'],
  active: ['sync~spin', 'charts.blue'],
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'charts.orange'],
  'not-started': ['circle-outline', 'disabledForeground'],
};

function icon(state: string): vscode.ThemeIcon {
  const [id, color] = ICONS[state] ?? ['question', undefined];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

function time(ms: number | undefined): string {
  return ms ? new Date(ms).toLocaleTimeString() : '-';
}

/**
 * Runs → dates (aggregate counts) → partitions (status icon, serial, attempt; times in the tooltip). Nodes are
 * cached by id so a refresh can name exactly the dates that changed; refreshes are coalesced.
 */
export class RunTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | Node[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly nodes = new Map<string, Node>();
  readonly scheduler: RefreshScheduler<Node>;
  private readonly off: () => void;

  constructor(private readonly store: RunStore) {
    this.scheduler = new RefreshScheduler<Node>((items) => this.emitter.fire(items));
    this.off = store.onDidChange((c) => {
      if (c.removed) this.release(c.run.id);
      if (c.structure) return this.scheduler.mark(undefined);
      this.scheduler.mark(this.runNode(c.run));
      for (const d of c.dates) this.scheduler.mark(this.dateNode(c.run, d));
    });
  }

  /** Forgets the nodes of a run that left the store, so they can be collected. */
  private release(runId: string): void {
    for (const [id, n] of this.nodes) if (n.run.id === runId) this.nodes.delete(id);
  }

  /** How many nodes are cached (for tests). */
  get cachedNodes(): number {
    return this.nodes.size;
  }

  private node<T extends Node>(n: T): T {
    const had = this.nodes.get(n.id) as T | undefined;
    if (had) return had;
    this.nodes.set(n.id, n);
    return n;
  }

  runNode(run: RunView): Node {
    return this.node({ kind: 'run', id: `run:${run.id}`, run });
  }

  dateNode(run: RunView, date: string): Node {
    return this.node({ kind: 'date', id: `date:${run.id}:${date}`, run, date });
  }

  cellNode(run: RunView, view: CellView): Node {
    return this.node({ kind: 'cell', id: `cell:${run.id}:${view.cell.index}`, run, view });
  }

  getChildren(n?: Node): Node[] {
    if (!n) return this.store.runs.map((r) => this.runNode(r));
    if (n.kind === 'run') return n.run.dates.map((d) => this.dateNode(n.run, d));
    if (n.kind === 'date') return this.store.cellsOf(n.run, n.date).map((v) => this.cellNode(n.run, v));
    return [];
  }

  getParent(n: Node): Node | undefined {
    if (n.kind === 'cell') return this.dateNode(n.run, n.view.cell.date);
    if (n.kind === 'date') return this.runNode(n.run);
    return undefined;
  }

  getTreeItem(n: Node): vscode.TreeItem {
    if (n.kind === 'run') {
      const c = this.store.counts(n.run);
      const item = new vscode.TreeItem(`${n.run.name}`, n.run === this.store.runs[0] ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      // Derived from the cells, so a run read back from its record reads the same as one watched live.
      const stopped = c.succeeded + c.failed < c.total;
      const phase = n.run.phase === 'finished' ? (c.failed ? `${c.failed} failed` : stopped ? 'stopped' : 'done') : n.run.phase;
      item.description = `${c.succeeded}/${c.total} · ${phase} · ${n.run.mode}, ${n.run.backend}`;
      item.iconPath = n.run.phase === 'finished' ? icon(c.failed ? 'failed' : stopped ? 'cancelled' : 'succeeded') : icon('active');
      const record = n.run.recordFile ? `\n\nrecord: ${n.run.recordFile}` : '';
      item.tooltip = new vscode.MarkdownString(`**${n.run.name}** (run ${n.run.id})\n\n${path.basename(n.run.configFile)} · started ${time(n.run.startedAt)}\n\n${c.succeeded} succeeded, ${c.failed} failed, ${c.active} running, ${c.pending} waiting of ${c.total}${record}`);
      item.contextValue = `pqoRun ${n.run.phase}${c.failed ? ' hasFailures' : ''}`;
      item.id = n.id;
      return item;
    }
    if (n.kind === 'date') {
      const c = this.store.counts(n.run, n.date);
      const item = new vscode.TreeItem(n.date, vscode.TreeItemCollapsibleState.Collapsed);
      const parts = [`${c.succeeded}/${c.total}`];
      if (c.failed) parts.push(`${c.failed} failed`);
      if (c.active) parts.push(`${c.active} running`);
      item.description = parts.join(' · ');
      item.iconPath = icon(c.failed ? 'failed' : c.succeeded === c.total ? 'succeeded' : c.active ? 'active' : 'pending');
      item.contextValue = 'pqoDate';
      item.id = n.id;
      return item;
    }
    const v = n.view;
    const item = new vscode.TreeItem(`partition ${v.cell.partition}`, vscode.TreeItemCollapsibleState.None);
    const bits = [v.status ?? v.state];
    if (v.serial) bits.push(`serial ${v.serial}`);
    if (v.attempt > 1) bits.push(`attempt ${v.attempt}`);
    item.description = bits.join(' · ');
    item.iconPath = icon(v.state);
    const md = new vscode.MarkdownString(`**${v.cell.queryName}**\n\n${v.state}${v.status ? ` (${v.status})` : ''} · attempt ${v.attempt || '-'}${v.serial ? ` · serial ${v.serial}` : ''}\n\ncreated ${time(v.createdAt)} · ended ${time(v.endedAt)}`);
    if (v.detail && v.state === 'failed') md.appendCodeblock(v.detail.split('\n').slice(-8).join('\n'), 'text');
    item.tooltip = md;
    item.contextValue = `pqoCell ${v.state}${v.serial ? ' hasSerial' : ''}${v.state === 'failed' ? ' hasLog' : ''}`;
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
