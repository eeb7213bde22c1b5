/**
 * The run grid in a page: a canvas the size of the view over a scrolling area the size of the whole grid (so pan
 * is native scrolling and a frame draws only what shows), hover details, click, selection, keyboard, zoom.
 */
import { ABSENT, applyPatch, cellName, durationOf, durationRange, formatMs, orientation, type GridData, type GridPatch } from '../model';
import { CellBitmap, colourOf, readPalette, stateWord, type Mode, type Palette } from './paint';
import { Chrome, type Host } from './chrome';
import { StripView } from './stripView';

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
  private drag: { x: number; y: number; left: number; top: number; cell: number; select: boolean } | undefined;

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
    this.wire();
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

  private zoom(factor: number, at?: { x: number; y: number }): void {
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

  /** One frame: the visible part of the bitmap scaled up, gaps between big cells, axis labels, selection, focus. */
  draw(): void {
    this.frame = 0;
    const ctx = this.canvas.getContext('2d')!;
    const dpr = window.devicePixelRatio || 1;
    const w = this.viewport.clientWidth;
    const h = this.viewport.clientHeight;
    const px = this.cellPx;
    const sx = this.viewport.scrollLeft;
    const sy = this.viewport.scrollTop;
    const left = this.left;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, w, h);
    const c0 = Math.max(0, Math.floor((sx - 0) / px));
    const c1 = Math.min(this.cols, Math.ceil((sx + w - left) / px));
    const r0 = Math.max(0, Math.floor(sy / px));
    const r1 = Math.min(this.rows, Math.ceil((sy + h - TOP) / px));
    if (c1 > c0 && r1 > r0) {
      ctx.drawImage(this.bitmap.canvas, c0, r0, c1 - c0, r1 - r0, left + c0 * px - sx, TOP + r0 * px - sy, (c1 - c0) * px, (r1 - r0) * px);
      if (px >= 6) {
        ctx.fillStyle = this.palette.css.bg;
        for (let c = c0; c <= c1; c++) ctx.fillRect(left + c * px - sx - 0.5, TOP, 1, h);
        for (let r = r0; r <= r1; r++) ctx.fillRect(left, TOP + r * px - sy - 0.5, w, 1);
      }
      this.drawMarks(ctx, px, sx, sy, left, { c0, c1, r0, r1 });
    }
    this.drawAxes(ctx, w, h, px, sx, sy, left, { c0, c1, r0, r1 });
  }

  private drawMarks(ctx: CanvasRenderingContext2D, px: number, sx: number, sy: number, left: number, v: { c0: number; c1: number; r0: number; r1: number }): void {
    const box = (i: number) => {
      const [r, c] = this.rowCol(i);
      return r >= v.r0 && r < v.r1 && c >= v.c0 && c < v.c1 ? [left + c * px - sx, TOP + r * px - sy] : undefined;
    };
    ctx.fillStyle = this.palette.css.selected;
    for (const i of this.selection) {
      const b = box(i);
      if (b) ctx.fillRect(b[0], b[1], px, px);
    }
    const f = this.focus >= 0 ? box(this.focus) : undefined;
    if (f) {
      ctx.strokeStyle = this.palette.css.focus;
      ctx.lineWidth = 2;
      ctx.strokeRect(f[0] - 1, f[1] - 1, px + 2, px + 2);
    }
  }

  private drawAxes(ctx: CanvasRenderingContext2D, w: number, h: number, px: number, sx: number, sy: number, left: number, v: { c0: number; c1: number; r0: number; r1: number }): void {
    ctx.clearRect(0, 0, left, h);
    ctx.clearRect(0, 0, w, TOP);
    ctx.fillStyle = this.palette.css.muted;
    ctx.font = '11px sans-serif';
    ctx.textBaseline = 'middle';
    const rowLabel = (r: number) => (this.transposed ? String(r) : this.data.dates[r]);
    const colLabel = (c: number) => (this.transposed ? this.data.dates[c].slice(5) : String(c));
    const rowStep = Math.max(1, Math.ceil(14 / px));
    for (let r = v.r0 - (v.r0 % rowStep); r < v.r1; r += rowStep) if (r >= v.r0) ctx.fillText(rowLabel(r), 2, TOP + r * px - sy + px / 2);
    const colStep = Math.max(1, Math.ceil((this.transposed ? 44 : 30) / px));
    for (let c = v.c0 - (v.c0 % colStep); c < v.c1; c += colStep) if (c >= v.c0) ctx.fillText(colLabel(c), left + c * px - sx, TOP / 2);
    ctx.fillText(this.transposed ? 'part. ╲ date' : 'date ╲ part.', 2, TOP / 2);
  }

  /** The cell under a point of the viewport (client coordinates), or -1. */
  private hit(clientX: number, clientY: number): number {
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

  private wire(): void {
    const vp = this.viewport;
    vp.addEventListener('scroll', () => {
      if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
    });
    vp.addEventListener('mousemove', (ev) => {
      if (this.drag) return this.dragTo(ev);
      const i = this.hit(ev.clientX, ev.clientY);
      if (i < 0) return void (this.tip.style.display = 'none');
      this.tip.textContent = this.describe(i);
      this.tip.style.left = `${ev.clientX + 14}px`;
      this.tip.style.top = `${ev.clientY + 14}px`;
      this.tip.style.display = 'block';
    });
    vp.addEventListener('mouseleave', () => (this.tip.style.display = 'none'));
    vp.addEventListener('mousedown', (ev) => {
      if (ev.button !== 0) return;
      this.drag = { x: ev.clientX, y: ev.clientY, left: vp.scrollLeft, top: vp.scrollTop, cell: this.hit(ev.clientX, ev.clientY), select: ev.shiftKey };
    });
    window.addEventListener('mouseup', (ev) => {
      const d = this.drag;
      this.drag = undefined;
      if (!d) return;
      const moved = Math.abs(ev.clientX - d.x) + Math.abs(ev.clientY - d.y) > 4;
      const i = this.hit(ev.clientX, ev.clientY);
      if (d.select && moved && d.cell >= 0 && i >= 0) this.selectRect(d.cell, i);
      else if (!moved && i >= 0) {
        this.focus = i;
        if (ev.shiftKey || ev.ctrlKey || ev.metaKey) this.toggle(i);
        else this.host.open?.(i);
        this.draw();
      }
    });
    vp.addEventListener('wheel', (ev) => {
      if (!ev.ctrlKey) return;
      ev.preventDefault();
      const box = vp.getBoundingClientRect();
      this.zoom(ev.deltaY < 0 ? 1.25 : 0.8, { x: ev.clientX - box.left, y: ev.clientY - box.top });
    }, { passive: false });
    vp.addEventListener('keydown', (ev) => this.key(ev));
  }

  private dragTo(ev: MouseEvent): void {
    const d = this.drag!;
    if (d.select) return;
    this.viewport.scrollLeft = d.left - (ev.clientX - d.x);
    this.viewport.scrollTop = d.top - (ev.clientY - d.y);
  }

  private selectRect(a: number, b: number): void {
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

  private key(ev: KeyboardEvent): void {
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[ev.key]) {
      ev.preventDefault();
      const [r, c] = this.focus >= 0 ? this.rowCol(this.focus) : [0, -1];
      const nr = Math.max(0, Math.min(this.rows - 1, r + moves[ev.key][0]));
      const nc = Math.max(0, Math.min(this.cols - 1, c + moves[ev.key][1]));
      this.focus = this.cellAt(nr, nc);
      this.reveal(nr, nc);
      this.chrome.announce(this.describe(this.focus).replace(/\n/g, '; '));
    } else if (ev.key === 'Enter' && this.focus >= 0) this.host.open?.(this.focus);
    else if (ev.key === ' ' && this.focus >= 0) {
      ev.preventDefault();
      this.toggle(this.focus);
    } else if (ev.key === '+' || ev.key === '=') this.zoom(1.25);
    else if (ev.key === '-') this.zoom(0.8);
    else if (ev.key === 'Escape') {
      this.selection.clear();
      this.chrome.selected(0);
    } else return;
    this.draw();
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
