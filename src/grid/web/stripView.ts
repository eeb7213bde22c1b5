/** The strip below the grid: queries alive over time against the session cap, and outcomes per minute. */
import { formatMs, strip, type GridData, type Strip } from '../model';
import type { Palette } from './paint';

const HEIGHT = 96;
const LIVE_H = 60;

export class StripView {
  readonly canvas: HTMLCanvasElement;
  readonly caption: HTMLElement;
  private last: Strip | undefined;

  constructor(doc: Document, parent: HTMLElement, private readonly tip: HTMLElement) {
    this.canvas = doc.createElement('canvas');
    this.canvas.id = 'strip';
    this.canvas.setAttribute('role', 'img');
    parent.appendChild(this.canvas);
    this.caption = doc.createElement('p');
    this.caption.id = 'strip-caption';
    this.caption.className = 'caption';
    parent.appendChild(this.caption);
    this.canvas.addEventListener('mousemove', (ev) => this.hover(ev));
    this.canvas.addEventListener('mouseleave', () => (this.tip.style.display = 'none'));
  }

  draw(g: GridData, p: Palette, width: number): void {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(100, Math.floor(width));
    this.canvas.width = w * dpr;
    this.canvas.height = HEIGHT * dpr;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${HEIGHT}px`;
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, HEIGHT);
    const s = strip(g, w);
    this.last = s;
    const peak = Math.max(1, ...s.live);
    const top = Math.max(peak, g.maxConcurrent);
    const y = (v: number) => LIVE_H - (v / top) * (LIVE_H - 8);
    // Alive queries: a filled area.
    ctx.fillStyle = p.css.state[3];
    ctx.globalAlpha = 0.55;
    ctx.beginPath();
    ctx.moveTo(0, LIVE_H);
    s.live.forEach((v, x) => ctx.lineTo(x, y(v)));
    ctx.lineTo(s.live.length, LIVE_H);
    ctx.fill();
    ctx.globalAlpha = 1;
    // The cap, dashed.
    ctx.strokeStyle = p.css.fg;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(0, y(g.maxConcurrent) + 0.5);
    ctx.lineTo(w, y(g.maxConcurrent) + 0.5);
    ctx.stroke();
    ctx.setLineDash([]);
    // Outcomes per minute: bars under the area, failures stacked on successes.
    const perBin = Math.max(1, ...s.succeeded.map((v, m) => v + s.failed[m]));
    const barW = Math.max(1, (w * s.binMs) / s.spanMs);
    const base = HEIGHT - 2;
    const scale = (HEIGHT - LIVE_H - 6) / perBin;
    s.succeeded.forEach((ok, m) => {
      const bad = s.failed[m];
      const x = (m * s.binMs * w) / s.spanMs;
      ctx.fillStyle = p.css.state[4];
      ctx.fillRect(x, base - ok * scale, Math.max(1, barW - 1), ok * scale);
      ctx.fillStyle = p.css.state[5];
      ctx.fillRect(x, base - (ok + bad) * scale, Math.max(1, barW - 1), bad * scale);
    });
    ctx.fillStyle = p.css.muted;
    ctx.font = '11px sans-serif';
    ctx.textBaseline = 'top';
    ctx.fillText(`max ${g.maxConcurrent}`, 4, Math.max(0, y(g.maxConcurrent) - 12));
    const failures = s.failed.reduce((a, b) => a + b, 0);
    const worst = s.failed.indexOf(Math.max(...s.failed));
    const bin = binWord(s.binMs);
    this.caption.textContent =
      `Queries alive over ${formatMs(s.spanMs)} (peak ${peak} of ${g.maxConcurrent} allowed); bars: succeeded and failed per ${bin}` +
      (failures ? `; most failures from +${formatMs(worst * s.binMs)} (${s.failed[worst]} in that ${bin})` : '');
    this.canvas.setAttribute('aria-label', this.caption.textContent);
  }

  private hover(ev: MouseEvent): void {
    const s = this.last;
    if (!s) return;
    const box = this.canvas.getBoundingClientRect();
    const x = Math.floor(ev.clientX - box.left);
    const b = Math.max(0, Math.min(s.live.length - 1, x));
    const at = b * s.bucketMs;
    const m = Math.floor(at / s.binMs);
    this.tip.textContent = `+${formatMs(at)}: ${s.live[b]} alive\n${binWord(s.binMs)} from +${formatMs(m * s.binMs)}: ${s.succeeded[m] ?? 0} succeeded, ${s.failed[m] ?? 0} failed`;
    this.tip.style.left = `${ev.clientX + 12}px`;
    this.tip.style.top = `${ev.clientY - 40}px`;
    this.tip.style.display = 'block';
  }
}

function binWord(ms: number): string {
  return ms === 60_000 ? 'minute' : ms < 60_000 ? `${ms / 1000} s` : ms < 3_600_000 ? `${ms / 60_000} min` : 'hour';
}
