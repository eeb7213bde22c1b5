/**
 * The grid page's HTML, for the editor's panel and the `--report` file alike: a strict Content-Security-Policy (only
 * scripts and styles carrying this page's nonce run; nothing is fetched), theme colours from VS Code's CSS variables
 * with fallbacks for a plain browser, and the bundled drawing script (dist/grid.js), inline or by URL.
 */
import type { GridData } from './model';

export interface PageOptions {
  title: string;
  nonce: string;
  /** The script inline (the report file), or its URL (the panel). */
  script: { inline: string } | { src: string };
  /** Embedded data (the report); the panel sends it by message instead. */
  data?: GridData;
  /** Extra CSP sources for the panel's script (its webview origin). */
  cspSource?: string;
}

const STYLE = `
:root {
  --pqo-bg: var(--vscode-editor-background, #ffffff);
  --pqo-fg: var(--vscode-foreground, #24292f);
  --pqo-muted: var(--vscode-descriptionForeground, #57606a);
  --pqo-queued: var(--vscode-disabledForeground, #a8b1bd);
  --pqo-retry: var(--vscode-charts-yellow, #d29922);
  --pqo-creating: var(--vscode-charts-purple, #8250df);
  --pqo-running: var(--vscode-charts-blue, #1f6feb);
  --pqo-succeeded: var(--vscode-testing-iconPassed, #2ea043);
  --pqo-failed: var(--vscode-testing-iconFailed, #cf222e);
  --pqo-stopped: var(--vscode-charts-orange, #db6d28);
  --pqo-notstarted: var(--vscode-editorLineNumber-foreground, #6e7681);
  --pqo-focus: var(--vscode-focusBorder, #0969da);
  --pqo-selected: var(--vscode-editor-selectionBackground, rgba(9,105,218,0.45));
}
body { background: var(--pqo-bg); color: var(--pqo-fg); font: 13px var(--vscode-font-family, system-ui, sans-serif); margin: 12px; }
h1 { font-size: 15px; margin: 0 12px 0 0; }
.bar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
button, select { font: inherit; color: var(--vscode-button-secondaryForeground, inherit); background: var(--vscode-button-secondaryBackground, #eaeef2); border: 1px solid var(--vscode-contrastBorder, transparent); padding: 2px 8px; border-radius: 2px; }
button:disabled { opacity: 0.5; }
#legend { margin: 8px 0 2px; }
.item { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 5px; vertical-align: -1px; }
.heat { display: inline-block; width: 160px; height: 10px; vertical-align: -1px; }
.caption { color: var(--pqo-muted); margin: 2px 0 6px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
#stage { position: relative; border: 1px solid var(--vscode-panel-border, #d0d7de); }
#grid { position: absolute; left: 0; top: 0; pointer-events: none; }
#viewport { position: absolute; inset: 0; overflow: auto; outline: none; cursor: crosshair; }
#viewport:focus-visible { box-shadow: inset 0 0 0 1px var(--pqo-focus); }
#strip { display: block; margin-top: 8px; }
#summary { background: var(--vscode-textCodeBlock-background, #f6f8fa); padding: 8px; overflow: auto; max-height: 40vh; }
#tip { position: fixed; pointer-events: none; white-space: pre; background: var(--vscode-editorHoverWidget-background, #24292f); color: var(--vscode-editorHoverWidget-foreground, #fff); border: 1px solid var(--vscode-editorHoverWidget-border, transparent); padding: 4px 8px; font: 12px var(--vscode-editor-font-family, monospace); display: none; z-index: 10; }
`;

/** Marks a page as ours: `--report` overwrites only a file that carries it (an earlier report). */
export const REPORT_GENERATOR = 'pq-orchestrator run grid';

export function gridPage(o: PageOptions): string {
  const src = o.cspSource ? ` ${o.cspSource}` : '';
  const csp = `default-src 'none'; script-src 'nonce-${o.nonce}'${src}; style-src 'nonce-${o.nonce}'${src}; img-src data:${src}`;
  const script = 'inline' in o.script ? `<script nonce="${o.nonce}">${o.script.inline.replace(/<\/script/gi, '<\\/script')}</script>` : `<script nonce="${o.nonce}" src="${escapeHtml(o.script.src)}"></script>`;
  const data = o.data ? `<script type="application/json" id="pqo-data">${JSON.stringify(o.data).replace(/</g, '\\u003c')}</script>\n` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${REPORT_GENERATOR}">
<title>${escapeHtml(o.title)}</title>
<style nonce="${o.nonce}">${STYLE}</style>
</head><body><div id="app"></div>
${data}${script}
</body></html>
`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
