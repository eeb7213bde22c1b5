/**
 * The grid page's entry (bundled by esbuild into dist/grid.js): in the `--report` file the data is embedded in the
 * page; in the editor's Run Grid panel it arrives as messages (`init`, then `patch`es of changed cells only).
 */
import type { GridData } from '../model';
import type { FromPage, ToPage } from '../protocol';
import { GridView } from './gridView';
import type { Mode } from './paint';

interface VsCodeApi {
  postMessage(m: FromPage): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
declare global {
  interface Window {
    /** The page's grid, for the browser benchmark and tests. */
    pqoGrid?: GridView;
    /** When the script started and the grid was first drawn (ms since the page began), for benchmarks. */
    pqoTimes?: { script: number; drawn?: number };
  }
}

window.pqoTimes = { script: performance.now() };
const root = document.getElementById('app')!;
const embedded = document.getElementById('pqo-data');
if (embedded) {
  window.pqoGrid = new GridView(root, JSON.parse(embedded.textContent || '{}') as GridData, {});
  window.pqoTimes.drawn = performance.now();
} else {
  const vscode = acquireVsCodeApi();
  const saved = (vscode.getState() ?? {}) as { mode?: Mode; cellPx?: number; transposed?: boolean };
  window.addEventListener('message', (ev: MessageEvent) => {
    const m = ev.data as ToPage;
    if (m.type === 'init') {
      root.textContent = '';
      window.pqoGrid = new GridView(root, m.data, {
        open: (cell) => vscode.postMessage({ type: 'open', cell }),
        rerun: (cells) => vscode.postMessage({ type: 'rerun', cells }),
        copy: (cells) => vscode.postMessage({ type: 'copy', cells }),
        rendered: (counts) => vscode.postMessage({ type: 'rendered', counts }),
        saveView: (view) => vscode.setState(view),
      }, saved);
      window.pqoTimes!.drawn = performance.now();
      vscode.postMessage({ type: 'rendered', counts: window.pqoGrid.counts() });
    } else if (m.type === 'patch') window.pqoGrid?.apply(m.patch);
  });
  vscode.postMessage({ type: 'ready' });
}

