import * as path from 'node:path';
import * as vscode from 'vscode';
import { ForecastTips } from './forecastTip';
import { plain } from '../plainText';
import { fixesFor } from '../../config/fixes';
import { contextAt } from '../../config/navigate';
import { formatPath, type KeyPath } from '../../config/problem';
import { schemaAt, type SchemaNode } from '../../config/schema';
import { describeCalendar, planDates } from '../../util/calendar';
import type { Analyses } from './analyses';
import type { ConfigFiles } from './configFiles';
import { SOURCE } from './diagnostics';

function describe(path: KeyPath, s: SchemaNode): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**\`${formatPath(path)}\`**`);
  const type = s.enum ? 'string' : Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  if (type) md.appendMarkdown(` · ${type === 'object' ? 'section' : type}`);
  md.appendMarkdown('\n\n');
  if (s.markdownDescription) md.appendMarkdown(s.markdownDescription + '\n\n');
  const facts: string[] = [];
  if (s.enum) facts.push(`values: ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (s.minimum !== undefined || s.maximum !== undefined || s.exclusiveMinimum !== undefined) {
    const lo = s.minimum !== undefined ? `≥ ${s.minimum}` : s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : '';
    facts.push(`range: ${[lo, s.maximum !== undefined ? `≤ ${s.maximum}` : ''].filter(Boolean).join(', ')}`);
  }
  if (s.default !== undefined) facts.push(`default: \`${JSON.stringify(s.default)}\``);
  if (s.examples?.length && typeof s.examples[0] !== 'object') facts.push(`example: \`${JSON.stringify(s.examples[0])}\``);
  if (facts.length) md.appendMarkdown(facts.join(' · '));
  return md;
}

export class HoverProvider implements vscode.HoverProvider {
  constructor(private readonly files: ConfigFiles, private readonly analyses?: Analyses) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    if (!this.files.isConfig(doc)) return undefined;
    const c = contextAt(doc.getText(), doc.offsetAt(pos));
    if (c.kind !== 'key' && c.kind !== 'value') return undefined;
    const s = schemaAt(c.path);
    if (!s) return undefined;
    const range = c.kind === 'key' ? new vscode.Range(doc.positionAt(c.keyStart), doc.positionAt(c.keyEnd)) : undefined;
    const hover = describe(c.path, s);
    // On a calendar: what it is and what it does to this config's dates.
    const dates = c.path.join('.') === 'dates.calendar' ? this.analyses?.get(doc).config?.dates : undefined;
    if (dates?.calendar) hover.appendMarkdown(`\n\n${describeCalendar(dates.calendar, dates.start, dates.end)}`);
    return new vscode.Hover(hover, range);
  }
}

export class CompletionProvider implements vscode.CompletionItemProvider {
  constructor(private readonly files: ConfigFiles, private readonly analyses: Analyses) {}

  provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionItem[] | undefined {
    if (!this.files.isConfig(doc)) return undefined;
    const text = doc.getText();
    const c = contextAt(text, doc.offsetAt(pos));
    if (c.kind === 'new-key') {
      const parent = schemaAt(c.parent);
      if (!parent?.properties) return undefined;
      const present = new Set(Object.keys(valueAt(this.analyses.get(doc).data, c.parent) ?? {}));
      const range = new vscode.Range(doc.positionAt(c.replaceStart), pos);
      return Object.entries(parent.properties)
        .filter(([k]) => !present.has(k))
        .map(([k, s]) => {
          const item = new vscode.CompletionItem(k, s.type === 'object' ? vscode.CompletionItemKind.Module : vscode.CompletionItemKind.Property);
          item.insertText = new vscode.SnippetString(s.type === 'object' && s.properties ? `${k}:\n${' '.repeat(c.indent + 2)}$0` : `${k}: $0`);
          item.documentation = describe([...c.parent, k], s);
          item.detail = (parent.required ?? []).includes(k) ? 'required' : 'optional';
          item.sortText = `${(parent.required ?? []).includes(k) ? 0 : 1}${k}`;
          item.range = range;
          return item;
        });
    }
    if (c.kind === 'value') {
      const s = schemaAt(c.path);
      if (!s) return undefined;
      const values: unknown[] = s.enum ?? (s.type === 'boolean' ? [true, false] : s.default !== undefined ? [s.default] : s.examples?.filter((e) => typeof e !== 'object') ?? []);
      const lineText = doc.lineAt(pos.line).text;
      const valueStart = doc.positionAt(c.valueStart);
      const startCol = valueStart.character + (lineText.slice(valueStart.character).length - lineText.slice(valueStart.character).trimStart().length);
      const range = new vscode.Range(pos.line, Math.min(startCol, pos.character), pos.line, lineText.length);
      return values.map((v, i) => {
        const label = typeof v === 'string' ? `"${v}"` : String(v);
        const item = new vscode.CompletionItem(label, vscode.CompletionItemKind.Value);
        item.range = range;
        item.sortText = String(i).padStart(3, '0');
        if (s.enumDescriptions?.[i]) item.documentation = s.enumDescriptions[i];
        return item;
      });
    }
    return undefined;
  }
}

function valueAt(data: unknown, p: KeyPath): Record<string, unknown> | undefined {
  let cur = data;
  for (const seg of p) {
    if (cur && typeof cur === 'object') cur = (cur as Record<string | number, unknown>)[seg];
    else return undefined;
  }
  return cur && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<string, unknown>) : undefined;
}

export class CodeActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly files: ConfigFiles, private readonly analyses: Analyses) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (!this.files.isConfig(doc)) return [];
    const analysis = this.analyses.get(doc);
    const actions: vscode.CodeAction[] = [];
    for (const diag of context.diagnostics) {
      if (diag.source !== SOURCE) continue;
      const start = doc.offsetAt(diag.range.start);
      const end = doc.offsetAt(diag.range.end);
      const problem = analysis.problems.find((p) => p.start === start && p.end === end && p.code === diag.code && plain(p.message) === diag.message);
      if (!problem) continue;
      for (const fix of fixesFor(problem, analysis.parsed)) {
        const action = new vscode.CodeAction(plain(fix.title), vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diag];
        action.isPreferred = fix.preferred;
        action.edit = new vscode.WorkspaceEdit();
        for (const e of fix.edits) action.edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.newText);
        actions.push(action);
      }
    }
    return actions;
  }
}

/** worker_script and private_key_path open their files. */
export class LinkProvider implements vscode.DocumentLinkProvider {
  constructor(private readonly files: ConfigFiles, private readonly analyses: Analyses) {}

  provideDocumentLinks(doc: vscode.TextDocument): vscode.DocumentLink[] {
    if (!this.files.isConfig(doc)) return [];
    const links: vscode.DocumentLink[] = [];
    const parsed = this.analyses.get(doc).parsed;
    const dir = path.dirname(doc.uri.fsPath);
    for (const [section, key] of [['execution', 'worker_script'], ['deephaven', 'private_key_path']]) {
      const node = parsed.doc.getIn([section, key], true) as { value?: unknown; range?: number[] } | undefined;
      if (!node || typeof node.value !== 'string' || !node.value.trim() || !node.range || node.value.includes('${')) continue;
      const link = new vscode.DocumentLink(new vscode.Range(doc.positionAt(node.range[0]), doc.positionAt(node.range[1])), doc.uri.with({ path: path.resolve(dir, node.value).split(path.sep).join('/') }));
      link.tooltip = `Open ${node.value}`;
      links.push(link);
    }
    return links;
  }
}

/** "Run · Dry run · 5 dates × 2 partitions = 10 cells" at the top of a config (a cell: one date's partition, one worker
 * process or one persistent query; the word the tree, the grid and the notifications use). */
export class LensProvider implements vscode.CodeLensProvider {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  private readonly forecasts = new ForecastTips();

  constructor(private readonly files: ConfigFiles, private readonly analyses: Analyses) {}

  refresh(): void {
    this.emitter.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.files.isConfig(doc)) return [];
    const a = this.analyses.get(doc);
    const top = new vscode.Range(0, 0, 0, 0);
    const errors = a.problems.filter((p) => p.severity === 'error').length;
    const lenses = [
      new vscode.CodeLens(top, { title: '$(play) Run', command: 'pqOrchestrator.run', arguments: [doc.uri] }),
      new vscode.CodeLens(top, { title: 'Dry run', command: 'pqOrchestrator.dryRun', arguments: [doc.uri] }),
    ];
    const data = a.data as { deephaven?: unknown } | null;
    if (data?.deephaven) lenses.push(new vscode.CodeLens(top, { title: 'Check server', command: 'pqOrchestrator.checkServer', arguments: [doc.uri] }));
    if (errors) {
      lenses.push(new vscode.CodeLens(top, { title: `${errors} problem${errors === 1 ? '' : 's'}`, command: 'workbench.actions.view.problems' }));
    } else if (a.config) {
      // The dates as planned: a list, exclusions and a calendar's days off taken into account.
      const d = a.config.dates;
      const dates = planDates(d).dates.length;
      const p = a.config.execution.num_partitions;
      const what = d.calendar ? `business day${dates === 1 ? '' : 's'} (${d.calendar.name})` : `date${dates === 1 ? '' : 's'}`;
      // How long it should take, from the last run of this config and script, in the tooltip (or why there is no forecast).
      const tooltip = this.forecasts.tip(doc, a.config);
      lenses.push(new vscode.CodeLens(top, { title: `${dates} ${what} × ${p} partition${p === 1 ? '' : 's'} = ${(dates * p).toLocaleString('en-US')} cell${dates * p === 1 ? '' : 's'}`, command: '', ...(tooltip ? { tooltip } : {}) }));
    }
    return lenses;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
