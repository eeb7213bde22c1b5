/**
 * The run grid in a page: a canvas the size of the view over a scrolling area the size of the whole grid (so pan
 * is native scrolling and a frame draws only what shows), hover details, click, selection, keyboard, zoom.
 */
import { ABSENT, applyPatch, cellName, durationOf, durationRange, formatMs, orientation, type GridData, type GridPatch } from '../model';
import { CellBitmap, colourOf, readPalette, stateWord, type Mode, type Palette } from './paint';
import { Chrome, type Host } from './chrome';
import { StripView } from './stripView';
import { drawFrame } from './frame';
import { wireInput } from './input';

const TOP = 18;

export class GridView {
  private palette: Palette;
  private bitmap!: CellBitmap;
  private range: { min: number; max: number } | undefined;
  private cellPx = 8;
  private transposed = false;
  private readonly canvas: HTMLCanvasElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly tip: HTMLElement;
  private readonly chrome: Chrome;
  private readonly stripView: StripView;
  readonly selection = new Set<number>();
  focus = -1;
  private frame = 0;
  private stripAt = 0;

  constructor(
    private readonly root: HTMLElement,
    readonly data: GridData,
    private readonly host: Host,
    saved: { mode?: Mode; cellPx?: number; transposed?: boolean } = {},
  ) {
    const doc = root.ownerDocument;
    this.palette = readPalette(doc);
    this.tip = doc.createElement('div');
    this.tip.id = 'tip';
    this.chrome = new Chrome(doc, root, data, host, {
      mode: (m) => this.setMode(m),
      zoom: (f) => this.zoom(f),
      transpose: () => this.layout(!this.transposed),
      rerun: () => host.rerun?.([...this.selection].sort((a, b) => a - b)),
      copy: () => host.copy?.([...this.selection].sort((a, b) => a - b)),
    });
    this.stage = doc.createElement('div');
    this.stage.id = 'stage';
    this.canvas = doc.createElement('canvas');
    this.canvas.id = 'grid';
    this.canvas.setAttribute('role', 'img');
    this.viewport = doc.createElement('div');
    this.viewport.id = 'viewport';
    this.viewport.tabIndex = 0;
    this.viewport.setAttribute('aria-label', 'Run grid: arrow keys move between cells, Enter opens one, Space selects it, plus and minus zoom');
    this.spacer = doc.createElement('div');
    this.viewport.appendChild(this.spacer);
    this.stage.append(this.canvas, this.viewport);
    root.appendChild(this.stage);
    this.stripView = new StripView(doc, root, this.tip);
    this.chrome.appendSummary();
    root.appendChild(this.tip);
    if (saved.mode) this.chrome.mode = saved.mode;
    if (saved.cellPx) this.cellPx = saved.cellPx;
    const rows = data.dates.length;
    const cols = data.partitions;
    const w = Math.max(300, root.clientWidth || 1000);
    if (!saved.cellPx) this.cellPx = Math.max(2, Math.min(16, Math.floor((w - 100) / Math.max(1, cols))));
    this.layout(saved.transposed ?? orientation(rows, cols, w, Math.max(200, window.innerHeight - 260)));
    wireInput(this, this.viewport, this.tip);
    new ResizeObserver(() => this.resize()).observe(this.stage);
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.retheme());
    new MutationObserver(() => this.retheme()).observe(doc.body, { attributes: true, attributeFilter: ['class'] });
  }

  get mode(): Mode {
    return this.chrome.mode;
  }

  /** The counts the legend shows, by state name. */
  counts(): Record<string, number> {
    return this.chrome.countsByName();
  }

  private get rows(): number {
    return this.transposed ? this.data.partitions : this.data.dates.length;
  }
  private get cols(): number {
    return this.transposed ? this.data.dates.length : this.data.partitions;
  }
  private get left(): number {
    return this.transposed ? 40 : 84;
  }

  /** Cell index at grid row r, column c as drawn. */
  private cellAt(r: number, c: number): number {
    return this.transposed ? c * this.data.partitions + r : r * this.data.partitions + c;
  }
  private rowCol(i: number): [number, number] {
    const date = Math.floor(i / this.data.partitions);
    const part = i % this.data.partitions;
    return this.transposed ? [part, date] : [date, part];
  }

  private layout(transposed: boolean): void {
    this.transposed = transposed;
    const rows = this.rows;
    const cols = this.cols;
    this.bitmap = new CellBitmap(this.root.ownerDocument, rows, cols, (i) => {
      const [r, c] = this.rowCol(i);
      return r * cols + c;
    });
    this.recolour();
    this.resize();
    this.host.saveView?.({ mode: this.mode, cellPx: this.cellPx, transposed });
  }

  private recolour(): void {
    this.range = durationRange(this.data);
    for (let i = 0; i < this.data.states.length; i++) this.bitmap.set(i, colourOf(this.data, i, this.mode, this.palette, this.range));
    this.bitmap.flush();
    this.chrome.legend(this.mode, this.palette, this.range);
  }

  private retheme(): void {
    this.palette = readPalette(this.root.ownerDocument);
    this.recolour();
    this.draw();
  }

  private setMode(m: Mode): void {
    this.chrome.mode = m;
    this.recolour();
    this.draw();
    this.host.saveView?.({ mode: m, cellPx: this.cellPx, transposed: this.transposed });
  }

  zoom(factor: number, at?: { x: number; y: number }): void {
    const next = Math.max(1, Math.min(40, Math.round(this.cellPx * factor) || 1));
    if (next === this.cellPx) return;
    const ax = at?.x ?? this.viewport.clientWidth / 2;
    const ay = at?.y ?? this.viewport.clientHeight / 2;
    const gx = (this.viewport.scrollLeft + ax - this.left) / this.cellPx;
    const gy = (this.viewport.scrollTop + ay - TOP) / this.cellPx;
    this.cellPx = next;
    this.resize();
    this.viewport.scrollLeft = gx * next + this.left - ax;
    this.viewport.scrollTop = gy * next + TOP - ay;
    this.host.saveView?.({ mode: this.mode, cellPx: next, transposed: this.transposed });
  }

  private resize(): void {
    const fullH = TOP + this.rows * this.cellPx + 16;
    this.stage.style.height = `${Math.max(120, Math.min(fullH, Math.max(160, window.innerHeight - 280)))}px`;
    this.spacer.style.width = `${this.left + this.cols * this.cellPx}px`;
    this.spacer.style.height = `${TOP + this.rows * this.cellPx}px`;
    const dpr = window.devicePixelRatio || 1;
    const w = this.viewport.clientWidth;
    const h = this.viewport.clientHeight;
    this.canvas.width = Math.max(1, w * dpr);
    this.canvas.height = Math.max(1, h * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.draw();
    this.stripView.draw(this.data, this.palette, this.stage.clientWidth);
  }

  /** Applies a patch: one pixel per changed cell, counts, then one frame (now, or on the next animation frame). */
  apply(p: GridPatch, sync = false): void {
    const before = p.cells.map((i) => this.data.states[i]);
    applyPatch(this.data, p);
    this.chrome.recount(before, p.cells.map((i) => this.data.states[i]));
    if (this.mode === 'duration') {
      const r = durationRange(this.data);
      if (!this.range || !r || r.min !== this.range.min || r.max !== this.range.max) return this.afterPatch(sync, true);
    }
    for (const i of p.cells) this.bitmap.set(i, colourOf(this.data, i, this.mode, this.palette, this.range));
    this.afterPatch(sync, false);
  }

  private afterPatch(sync: boolean, recolour: boolean): void {
    if (recolour) this.recolour();
    else this.bitmap.flush();
    this.chrome.update(this.mode, this.palette, this.range);
    if (Date.now() - this.stripAt > 1000 || !this.data.live) {
      this.stripAt = Date.now();
      this.stripView.draw(this.data, this.palette, this.stage.clientWidth);
    }
    if (sync) this.draw();
    else if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** One frame (see frame.ts). */
  draw(): void {
    this.frame = 0;
    drawFrame({
      canvas: this.canvas,
      bitmap: this.bitmap.canvas,
      width: this.viewport.clientWidth,
      height: this.viewport.clientHeight,
      scrollX: this.viewport.scrollLeft,
      scrollY: this.viewport.scrollTop,
      px: this.cellPx,
      left: this.left,
      top: TOP,
      rows: this.rows,
      cols: this.cols,
      transposed: this.transposed,
      dates: this.data.dates,
      palette: this.palette,
      selection: this.selection,
      focus: this.focus,
      rowCol: (i) => this.rowCol(i),
    });
  }

  /** The cell under a point of the viewport (client coordinates), or -1. */
  hit(clientX: number, clientY: number): number {
    const box = this.viewport.getBoundingClientRect();
    const c = Math.floor((clientX - box.left + this.viewport.scrollLeft - this.left) / this.cellPx);
    const r = Math.floor((clientY - box.top + this.viewport.scrollTop - TOP) / this.cellPx);
    if (c < 0 || c >= this.cols || r < 0 || r >= this.rows) return -1;
    const i = this.cellAt(r, c);
    return this.data.states[i] === ABSENT ? -1 : i;
  }

  describe(i: number): string {
    const g = this.data;
    const clock = (ms: number) => (ms < 0 ? '–' : `+${formatMs(ms)} (${new Date(g.t0 + ms).toLocaleTimeString()})`);
    const d = durationOf(g, i);
    return [
      cellName(g, i) + (g.serials[i] ? `  serial ${g.serials[i]}` : ''),
      `${stateWord(g.states[i])} · attempt ${g.attempts[i] || '–'}`,
      `start ${clock(g.starts[i])} · end ${clock(g.ends[i])}${d >= 0 ? ` · ${formatMs(d)}` : ''}`,
    ].join('\n');
  }

  selectRect(a: number, b: number): void {
    const [ra, ca] = this.rowCol(a);
    const [rb, cb] = this.rowCol(b);
    for (let r = Math.min(ra, rb); r <= Math.max(ra, rb); r++) {
      for (let c = Math.min(ca, cb); c <= Math.max(ca, cb); c++) {
        const i = this.cellAt(r, c);
        if (this.data.states[i] !== ABSENT) this.selection.add(i);
      }
    }
    this.chrome.selected(this.selection.size);
    this.draw();
  }

  toggle(i: number): void {
    if (this.selection.has(i)) this.selection.delete(i);
    else this.selection.add(i);
    this.chrome.selected(this.selection.size);
  }

  /** Arrow keys: the focus moves one cell, scrolled into view, and is announced. */
  moveFocus(dr: number, dc: number): void {
    const [r, c] = this.focus >= 0 ? this.rowCol(this.focus) : [0, -1];
    const nr = Math.max(0, Math.min(this.rows - 1, r + dr));
    const nc = Math.max(0, Math.min(this.cols - 1, c + dc));
    this.focus = this.cellAt(nr, nc);
    this.reveal(nr, nc);
    this.chrome.announce(this.describe(this.focus).replace(/\n/g, '; '));
  }

  clearSelection(): void {
    this.selection.clear();
    this.chrome.selected(0);
  }

  open(i: number): void {
    this.host.open?.(i);
  }

  scheduleDraw(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Scrolls cell i into view; its centre in the viewport's coordinates (for automation: a click lands there). */
  cellPoint(i: number): { x: number; y: number } {
    const [r, c] = this.rowCol(i);
    this.reveal(r, c);
    this.draw();
    return { x: this.left + c * this.cellPx - this.viewport.scrollLeft + this.cellPx / 2, y: TOP + r * this.cellPx - this.viewport.scrollTop + this.cellPx / 2 };
  }

  private reveal(r: number, c: number): void {
    const vp = this.viewport;
    const x = this.left + c * this.cellPx;
    const y = TOP + r * this.cellPx;
    if (x - this.left < vp.scrollLeft) vp.scrollLeft = x - this.left;
    else if (x + this.cellPx > vp.scrollLeft + vp.clientWidth) vp.scrollLeft = x + this.cellPx - vp.clientWidth;
    if (y - TOP < vp.scrollTop) vp.scrollTop = y - TOP;
    else if (y + this.cellPx > vp.scrollTop + vp.clientHeight) vp.scrollTop = y + this.cellPx - vp.clientHeight;
  }
}
