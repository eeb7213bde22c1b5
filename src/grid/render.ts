/**
 * The run grid's drawing code: no vscode, no node, no imports. It runs in a browser page (the `--report` HTML file)
 * and is inlined there as source, so it must stay self-contained: every helper lives inside `renderGrid`.
 */

/** What a grid shows, in compact arrays (one entry per cell, dates × partitions in plan order). */
export interface GridData {
  title: string;
  dates: string[];
  partitions: number;
  /** Index into STATE_NAMES per cell; -1 where the run did not cover the cell. */
  states: number[];
  /** Milliseconds from creation to end, -1 when unknown. */
  durations: number[];
  names: string[];
  counts: Record<string, number>;
  summary: string;
}

/* The few DOM shapes the drawing uses: the core compiles without the DOM library (it would clash with Node's). */
interface Ctx2d {
  font: string;
  textBaseline: string;
  fillStyle: string;
  fillText(t: string, x: number, y: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
}
interface Elem {
  id: string;
  textContent: string | null;
  style: { cssText: string; display: string; left: string; top: string };
  width: number;
  height: number;
  ownerDocument: Doc;
  appendChild(child: unknown): unknown;
  setAttribute(name: string, value: string): void;
  addEventListener(type: string, fn: (ev: { clientX: number; clientY: number }) => void): void;
  getBoundingClientRect(): { left: number; top: number };
  getContext(kind: '2d'): Ctx2d | null;
}
interface Doc {
  createElement(tag: string): Elem;
  createTextNode(text: string): unknown;
}

export const STATE_NAMES = ['queued', 'waiting to retry', 'creating', 'running', 'succeeded', 'failed', 'stopped', 'not started'] as const;

export function renderGrid(root: Elem, data: GridData): void {
  const colours = ['#9aa4b2', '#d29922', '#58a6ff', '#1f6feb', '#2ea043', '#da3633', '#db6d28', '#6e7681'];
  const doc = root.ownerDocument;
  const el = (tag: string, text?: string) => {
    const e = doc.createElement(tag);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  root.appendChild(el('h1', data.title));
  const legend = el('p');
  legend.id = 'legend';
  ['queued', 'waiting to retry', 'creating', 'running', 'succeeded', 'failed', 'stopped', 'not started'].forEach((name, i) => {
    const n = data.counts[name] ?? 0;
    if (!n) return;
    const item = el('span');
    const swatch = el('span');
    swatch.style.cssText = `display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;background:${colours[i]}`;
    item.appendChild(swatch);
    item.appendChild(doc.createTextNode(`${name} ${n}`));
    item.setAttribute('data-state', name);
    item.setAttribute('data-count', String(n));
    legend.appendChild(item);
  });
  root.appendChild(legend);
  const rows = data.dates.length;
  const cols = data.partitions;
  const size = Math.max(2, Math.min(14, Math.floor(1100 / Math.max(1, cols))));
  const canvas = doc.createElement('canvas');
  const left = 90;
  canvas.width = left + cols * size;
  canvas.height = rows * size;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${rows} dates by ${cols} partitions; ${Object.entries(data.counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
  root.appendChild(canvas);
  const ctx = canvas.getContext('2d');
  if (ctx) {
    ctx.font = `${Math.min(12, size)}px sans-serif`;
    ctx.textBaseline = 'middle';
    for (let r = 0; r < rows; r++) {
      if (size >= 8 || r % Math.ceil(10 / size) === 0) {
        ctx.fillStyle = '#57606a';
        ctx.fillText(data.dates[r], 0, r * size + size / 2);
      }
      for (let c = 0; c < cols; c++) {
        const s = data.states[r * cols + c];
        if (s < 0) continue;
        ctx.fillStyle = colours[s];
        ctx.fillRect(left + c * size, r * size, Math.max(1, size - (size > 4 ? 1 : 0)), Math.max(1, size - (size > 4 ? 1 : 0)));
      }
    }
  }
  const tip = el('div');
  tip.id = 'tip';
  tip.style.cssText = 'position:fixed;pointer-events:none;background:#24292f;color:#fff;padding:4px 8px;font:12px monospace;display:none;border-radius:3px';
  root.appendChild(tip);
  canvas.addEventListener('mousemove', (ev) => {
    const box = canvas.getBoundingClientRect();
    const c = Math.floor((ev.clientX - box.left - left) / size);
    const r = Math.floor((ev.clientY - box.top) / size);
    const i = r * cols + c;
    if (c < 0 || c >= cols || r < 0 || r >= rows || data.states[i] < 0) {
      tip.style.display = 'none';
      return;
    }
    const d = data.durations[i];
    tip.textContent = `${data.names[i]} · ${['queued', 'waiting to retry', 'creating', 'running', 'succeeded', 'failed', 'stopped', 'not started'][data.states[i]]}${d >= 0 ? ` · ${(d / 1000).toFixed(1)} s` : ''}`;
    tip.style.left = `${ev.clientX + 12}px`;
    tip.style.top = `${ev.clientY + 12}px`;
    tip.style.display = 'block';
  });
  canvas.addEventListener('mouseleave', () => (tip.style.display = 'none'));
  const pre = el('pre', data.summary);
  pre.id = 'summary';
  root.appendChild(pre);
}
