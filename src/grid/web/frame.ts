/** One frame of the grid: the visible part of the bitmap scaled up, gaps between big cells, axes, selection, focus. */
import type { Palette } from './paint';

export interface FrameInput {
  canvas: HTMLCanvasElement;
  bitmap: HTMLCanvasElement;
  width: number;
  height: number;
  scrollX: number;
  scrollY: number;
  /** Pixels per cell. */
  px: number;
  /** Room for the row labels and the column labels. */
  left: number;
  top: number;
  rows: number;
  cols: number;
  transposed: boolean;
  dates: string[];
  palette: Palette;
  selection: ReadonlySet<number>;
  focus: number;
  rowCol(i: number): [number, number];
}

interface Visible {
  c0: number;
  c1: number;
  r0: number;
  r1: number;
}

export function drawFrame(f: FrameInput): void {
  const ctx = f.canvas.getContext('2d')!;
  const dpr = window.devicePixelRatio || 1;
  const { width: w, height: h, px, scrollX: sx, scrollY: sy, left, top } = f;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, w, h);
  const v: Visible = {
    c0: Math.max(0, Math.floor(sx / px)),
    c1: Math.min(f.cols, Math.ceil((sx + w - left) / px)),
    r0: Math.max(0, Math.floor(sy / px)),
    r1: Math.min(f.rows, Math.ceil((sy + h - top) / px)),
  };
  if (v.c1 > v.c0 && v.r1 > v.r0) {
    ctx.drawImage(f.bitmap, v.c0, v.r0, v.c1 - v.c0, v.r1 - v.r0, left + v.c0 * px - sx, top + v.r0 * px - sy, (v.c1 - v.c0) * px, (v.r1 - v.r0) * px);
    if (px >= 6) {
      ctx.fillStyle = f.palette.css.bg;
      for (let c = v.c0; c <= v.c1; c++) ctx.fillRect(left + c * px - sx - 0.5, top, 1, h);
      for (let r = v.r0; r <= v.r1; r++) ctx.fillRect(left, top + r * px - sy - 0.5, w, 1);
    }
    marks(ctx, f, v);
  }
  axes(ctx, f, v);
}

function marks(ctx: CanvasRenderingContext2D, f: FrameInput, v: Visible): void {
  const { px, left, top } = f;
  const box = (i: number) => {
    const [r, c] = f.rowCol(i);
    return r >= v.r0 && r < v.r1 && c >= v.c0 && c < v.c1 ? [left + c * px - f.scrollX, top + r * px - f.scrollY] : undefined;
  };
  ctx.fillStyle = f.palette.css.selected;
  for (const i of f.selection) {
    const b = box(i);
    if (b) ctx.fillRect(b[0], b[1], px, px);
  }
  const at = f.focus >= 0 ? box(f.focus) : undefined;
  if (at) {
    ctx.strokeStyle = f.palette.css.focus;
    ctx.lineWidth = 2;
    ctx.strokeRect(at[0] - 1, at[1] - 1, px + 2, px + 2);
  }
}

function axes(ctx: CanvasRenderingContext2D, f: FrameInput, v: Visible): void {
  const { px, left, top, width: w, height: h } = f;
  ctx.clearRect(0, 0, left, h);
  ctx.clearRect(0, 0, w, top);
  ctx.fillStyle = f.palette.css.muted;
  ctx.font = '11px sans-serif';
  ctx.textBaseline = 'middle';
  const rowLabel = (r: number) => (f.transposed ? String(r) : f.dates[r]);
  const colLabel = (c: number) => (f.transposed ? f.dates[c].slice(5) : String(c));
  const rowStep = Math.max(1, Math.ceil(14 / px));
  for (let r = v.r0 - (v.r0 % rowStep); r < v.r1; r += rowStep) if (r >= v.r0) ctx.fillText(rowLabel(r), 2, top + r * px - f.scrollY + px / 2);
  const colStep = Math.max(1, Math.ceil((f.transposed ? 44 : 30) / px));
  for (let c = v.c0 - (v.c0 % colStep); c < v.c1; c += colStep) if (c >= v.c0) ctx.fillText(colLabel(c), left + c * px - f.scrollX, top / 2);
  if (!f.transposed) ctx.fillText('date ╲ part.', 2, top / 2);
}
