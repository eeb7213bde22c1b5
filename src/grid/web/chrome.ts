/** Everything around the grid's canvas: title, toolbar, legend with counts, the text summary a screen reader reads. */
import { countStates, formatMs, STATE_NAMES, type GridData } from '../model';
import { ATTEMPT_LABELS, type Mode, type Palette } from './paint';

/** What the page can ask of whoever shows it (the editor's panel; the report file has none of these). */
export interface Host {
  open?(cell: number): void;
  rerun?(cells: number[]): void;
  copy?(cells: number[]): void;
  /** After a frame with new data: the counts shown, so the editor (and its tests) know what the page drew. */
  rendered?(counts: Record<string, number>): void;
  saveView?(view: { mode: Mode; cellPx: number; transposed: boolean }): void;
}

export interface Actions {
  mode(m: Mode): void;
  zoom(factor: number): void;
  transpose(): void;
  rerun(): void;
  copy(): void;
}

export class Chrome {
  mode: Mode = 'state';
  readonly counts: number[];
  private readonly legendEl: HTMLElement;
  private readonly status: HTMLElement;
  private readonly announcer: HTMLElement;
  private readonly summaryEl: HTMLElement;
  private readonly rerunBtn: HTMLButtonElement | undefined;
  private readonly copyBtn: HTMLButtonElement | undefined;
  private readonly select: HTMLSelectElement;

  constructor(private readonly doc: Document, private readonly root: HTMLElement, private readonly data: GridData, private readonly host: Host, actions: Actions) {
    this.counts = countStates(data.states);
    const bar = this.el('div', '', 'bar');
    bar.appendChild(this.el('h1', data.title));
    const label = this.el('label', 'Colour by ');
    this.select = doc.createElement('select');
    this.select.id = 'mode';
    for (const [v, text] of [['state', 'state'], ['duration', 'duration'], ['attempts', 'attempts']]) {
      const o = doc.createElement('option');
      o.value = v;
      o.textContent = text;
      this.select.appendChild(o);
    }
    this.select.addEventListener('change', () => actions.mode(this.select.value as Mode));
    label.appendChild(this.select);
    bar.appendChild(label);
    bar.appendChild(this.button('−', 'Zoom out (−, or Ctrl+wheel)', () => actions.zoom(0.8)));
    bar.appendChild(this.button('+', 'Zoom in (+, or Ctrl+wheel)', () => actions.zoom(1.25)));
    bar.appendChild(this.button('⤡ Transpose', 'Swap rows and columns', () => actions.transpose()));
    if (host.rerun) this.rerunBtn = bar.appendChild(this.button('Rerun selected', 'Run the selected cells again (Shift+drag or Shift+click to select)', () => actions.rerun()));
    if (host.copy) this.copyBtn = bar.appendChild(this.button('Copy names', 'Copy the selected cells\' query names', () => actions.copy()));
    root.appendChild(bar);
    this.legendEl = this.el('p');
    this.legendEl.id = 'legend';
    root.appendChild(this.legendEl);
    this.status = this.el('p', '', 'caption');
    this.status.id = 'status';
    root.appendChild(this.status);
    this.announcer = this.el('p', '', 'sr');
    this.announcer.setAttribute('aria-live', 'polite');
    root.appendChild(this.announcer);
    this.summaryEl = this.el('pre', data.summary);
    this.summaryEl.id = 'summary';
    this.selected(0);
  }

  appendSummary(): void {
    this.root.appendChild(this.summaryEl);
  }

  private el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
    const e = this.doc.createElement(tag);
    if (text) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  private button(text: string, title: string, fn: () => void): HTMLButtonElement {
    const b = this.el('button', text);
    b.title = title;
    b.addEventListener('click', fn);
    return b;
  }

  get total(): number {
    return this.counts.reduce((a, b) => a + b, 0);
  }

  recount(before: number[], after: number[]): void {
    for (let k = 0; k < before.length; k++) {
      if (before[k] >= 0) this.counts[before[k]]--;
      if (after[k] >= 0) this.counts[after[k]]++;
    }
  }

  countsByName(): Record<string, number> {
    const out: Record<string, number> = {};
    STATE_NAMES.forEach((n, k) => this.counts[k] && (out[n] = this.counts[k]));
    return out;
  }

  legend(mode: Mode, p: Palette, range: { min: number; max: number } | undefined): void {
    this.select.value = mode;
    this.legendEl.textContent = '';
    const item = (colour: string, text: string, attrs: Record<string, string> = {}) => {
      const span = this.el('span', '', 'item');
      const sw = this.el('span', '', 'swatch');
      sw.style.background = colour;
      span.append(sw, this.doc.createTextNode(text));
      for (const [k, v] of Object.entries(attrs)) span.setAttribute(k, v);
      this.legendEl.appendChild(span);
    };
    if (mode === 'state') {
      STATE_NAMES.forEach((name, k) => this.counts[k] && item(p.css.state[k], `${name} ${this.counts[k].toLocaleString('en-US')}`, { 'data-state': name, 'data-count': String(this.counts[k]) }));
    } else if (mode === 'duration') {
      const bar = this.el('span', '', 'heat');
      bar.style.background = `linear-gradient(to right, ${p.css.heat.join(',')})`;
      this.legendEl.append(this.doc.createTextNode(range ? `${formatMs(range.min)} ` : 'no cell has finished yet '), bar, this.doc.createTextNode(range ? ` ${formatMs(range.max)}${range.max > 10 * Math.max(1, range.min) ? ' (log scale)' : ''}` : ''));
    } else {
      const n = [0, 0, 0];
      for (let i = 0; i < this.data.attempts.length; i++) if (this.data.states[i] >= 0 && this.data.attempts[i] > 0) n[Math.min(3, this.data.attempts[i]) - 1]++;
      ATTEMPT_LABELS.forEach((label, k) => item(p.css.attempts[k], `${label} ${n[k].toLocaleString('en-US')}`, { 'data-attempts': String(k + 1), 'data-count': String(n[k]) }));
    }
    this.describe();
  }

  /** After a patch: legend counts and the text summary (cheap: the counts are kept incrementally). */
  update(mode: Mode, p: Palette, range: { min: number; max: number } | undefined): void {
    this.legend(mode, p, range);
    this.summaryEl.textContent = this.data.summary;
    this.host.rendered?.(this.countsByName());
  }

  private describe(): void {
    const c = this.counts;
    // Done means ran to an end (succeeded or failed); stopped and never-started cells are said as such.
    const done = c[4] + c[5];
    const parts = [`${this.data.dates.length} dates × ${this.data.partitions} partitions`, `${done.toLocaleString('en-US')} of ${this.total.toLocaleString('en-US')} done`];
    if (c[5]) parts.push(`${c[5]} failed`);
    if (c[6]) parts.push(`${c[6]} stopped`);
    if (c[7]) parts.push(`${c[7]} not started`);
    if (c[2] + c[3]) parts.push(`${c[2] + c[3]} running`);
    if (c[0] + c[1]) parts.push(`${c[0] + c[1]} waiting`);
    this.status.textContent = `${parts.join(', ')}${this.data.live ? '' : ' (run ended)'}.`;
  }

  selected(n: number): void {
    if (this.rerunBtn) {
      this.rerunBtn.disabled = n === 0;
      this.rerunBtn.textContent = n ? `Rerun selected (${n})` : 'Rerun selected';
    }
    if (this.copyBtn) this.copyBtn.disabled = n === 0;
  }

  announce(text: string): void {
    this.announcer.textContent = text;
  }
}
