/**
 * Colours and the one-pixel-per-cell bitmap the grid is drawn from: a change to a cell writes one pixel, and a
 * frame scales the visible part of the bitmap onto the canvas, so a frame costs the same at 200 and 250,000 cells.
 */
import { ABSENT, durationOf, heat, STATE_NAMES, type GridData } from '../model';

export type Mode = 'state' | 'duration' | 'attempts';

/** CSS variables (the page defines them from VS Code's theme variables, with fallbacks for the report file). */
export const STATE_VARS = ['--pqo-queued', '--pqo-retry', '--pqo-creating', '--pqo-running', '--pqo-succeeded', '--pqo-failed', '--pqo-stopped', '--pqo-notstarted'];
/** A heat scale that reads on light and dark backgrounds alike (short to long). */
export const HEAT_STOPS = ['#3b528b', '#21918c', '#5ec962', '#c8d42a', '#fde725'];
export const ATTEMPT_LABELS = ['1 attempt', '2 attempts', '3 or more'];

export interface Palette {
  /** Little-endian RGBA words for Uint32Array pixels, one per state. */
  state: number[];
  heat: number[];
  attempts: number[];
  muted: number;
  css: { state: string[]; heat: string[]; attempts: string[]; bg: string; fg: string; muted: string; focus: string; selected: string };
}

function rgba(probe: CanvasRenderingContext2D, css: string): [number, number, number, number] {
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = '#000';
  probe.fillStyle = css;
  probe.fillRect(0, 0, 1, 1);
  const d = probe.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2], d[3]];
}

const word = ([r, g, b, a]: number[]) => ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;

function mix(a: number[], b: number[], t: number): number[] {
  return a.map((v, k) => Math.round(v + (b[k] - v) * t));
}

export function readPalette(doc: Document): Palette {
  const probeCanvas = doc.createElement('canvas');
  probeCanvas.width = probeCanvas.height = 1;
  const probe = probeCanvas.getContext('2d', { willReadFrequently: true })!;
  const style = getComputedStyle(doc.body);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const stateCss = STATE_VARS.map((n) => v(n, '#888'));
  const stops = HEAT_STOPS.map((c) => rgba(probe, c));
  const heatRgba: number[][] = [];
  for (let k = 0; k < 32; k++) {
    const t = (k / 31) * (stops.length - 1);
    const j = Math.min(stops.length - 2, Math.floor(t));
    heatRgba.push(mix(stops[j], stops[j + 1], t - j));
  }
  const attemptRgba = [heatRgba[4], heatRgba[20], heatRgba[31]];
  const hex = (c: number[]) => `rgb(${c[0]},${c[1]},${c[2]})`;
  const muted = v('--pqo-notstarted', '#6e7681');
  const mutedRgba = rgba(probe, muted);
  mutedRgba[3] = 90;
  return {
    state: stateCss.map((c) => word(rgba(probe, c))),
    heat: heatRgba.map(word),
    attempts: attemptRgba.map(word),
    muted: word(mutedRgba),
    css: {
      state: stateCss,
      heat: heatRgba.map(hex),
      attempts: attemptRgba.map(hex),
      bg: v('--pqo-bg', '#ffffff'),
      fg: v('--pqo-fg', '#24292f'),
      muted: v('--pqo-muted', '#57606a'),
      focus: v('--pqo-focus', '#0969da'),
      selected: v('--pqo-selected', 'rgba(9,105,218,0.45)'),
    },
  };
}

/** One pixel per cell, in the orientation drawn (rows × cols). */
export class CellBitmap {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly image: ImageData;
  private readonly pixels: Uint32Array;
  private dirty: { x0: number; y0: number; x1: number; y1: number } | undefined;

  constructor(
    doc: Document,
    readonly rows: number,
    readonly cols: number,
    /** Cell index → pixel index. */
    readonly pixelOf: (i: number) => number,
  ) {
    this.canvas = doc.createElement('canvas');
    this.canvas.width = Math.max(1, cols);
    this.canvas.height = Math.max(1, rows);
    this.ctx = this.canvas.getContext('2d')!;
    this.image = this.ctx.createImageData(this.canvas.width, this.canvas.height);
    this.pixels = new Uint32Array(this.image.data.buffer);
  }

  set(i: number, colour: number): void {
    const p = this.pixelOf(i);
    this.pixels[p] = colour;
    const x = p % this.cols;
    const y = (p - x) / this.cols;
    const d = this.dirty;
    if (!d) this.dirty = { x0: x, y0: y, x1: x, y1: y };
    else {
      if (x < d.x0) d.x0 = x;
      if (x > d.x1) d.x1 = x;
      if (y < d.y0) d.y0 = y;
      if (y > d.y1) d.y1 = y;
    }
  }

  /** Copies the changed rectangle to the bitmap canvas; returns whether anything changed. */
  flush(): boolean {
    const d = this.dirty;
    if (!d) return false;
    this.ctx.putImageData(this.image, 0, 0, d.x0, d.y0, d.x1 - d.x0 + 1, d.y1 - d.y0 + 1);
    this.dirty = undefined;
    return true;
  }
}

/** The colour of cell i in a mode. */
export function colourOf(g: GridData, i: number, mode: Mode, p: Palette, range: { min: number; max: number } | undefined): number {
  const s = g.states[i];
  if (s === ABSENT) return 0;
  if (mode === 'state') return p.state[s];
  if (mode === 'attempts') return g.attempts[i] > 0 ? p.attempts[Math.min(3, g.attempts[i]) - 1] : p.muted;
  const d = durationOf(g, i);
  if (d < 0 || !range) return p.muted;
  return p.heat[Math.max(0, Math.min(31, Math.round(heat(d, range) * 31)))];
}

export function stateWord(s: number): string {
  return s === ABSENT ? 'not in this run' : STATE_NAMES[s];
}
