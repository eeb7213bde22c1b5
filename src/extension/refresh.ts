/** The timer functions a scheduler uses (a test passes its own clock). */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * The one place that decides when a view redraws (tree, status bar, context keys, Run Grid panel): it marks what
 * changed and flushes at most once per interval, and not at all while the view is hidden (everything marked is
 * flushed when it shows again). A flush is always a full interval after the mark that armed it, and the next timer is
 * armed only after a flush, so two flushes are never closer than the interval. 1,000 changes a second become ten
 * flushes, each with only what changed since the last.
 */
export class RefreshScheduler<T> {
  private dirty = new Set<T>();
  private everything = false;
  private timer: unknown;
  private visible = true;

  constructor(
    private readonly flush: (items: T[] | undefined) => void,
    private readonly intervalMs = 100,
    private readonly timers: Timers = REAL_TIMERS,
  ) {}

  mark(item: T | undefined): void {
    if (item === undefined) this.everything = true;
    else this.dirty.add(item);
    this.arm();
  }

  /** Forgets what was marked (the view was redrawn whole by other means). */
  clear(): void {
    this.dirty = new Set();
    this.everything = false;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined || !this.visible) return;
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      this.flushNow();
    }, this.intervalMs);
  }

  flushNow(): void {
    if (!this.everything && this.dirty.size === 0) return;
    const items = this.everything ? undefined : [...this.dirty];
    this.dirty = new Set();
    this.everything = false;
    this.flush(items);
  }

  dispose(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }
}
