/**
 * Coalesces refreshes: marks what changed and flushes at most once per interval, and not at all while the view is
 * hidden (everything marked is flushed when it shows again). 1,000 changes a second become ten refreshes.
 */
export class RefreshScheduler<T> {
  private dirty = new Set<T>();
  private everything = false;
  private timer: NodeJS.Timeout | undefined;
  private visible = true;
  flushes = 0;

  constructor(private readonly flush: (items: T[] | undefined) => void, private readonly intervalMs = 100) {}

  mark(item: T | undefined): void {
    if (item === undefined) this.everything = true;
    else this.dirty.add(item);
    this.arm();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.arm();
  }

  private arm(): void {
    if (this.timer || !this.visible) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushNow();
    }, this.intervalMs);
  }

  flushNow(): void {
    if (!this.everything && this.dirty.size === 0) return;
    const items = this.everything ? undefined : [...this.dirty];
    this.dirty = new Set();
    this.everything = false;
    this.flushes++;
    this.flush(items);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
