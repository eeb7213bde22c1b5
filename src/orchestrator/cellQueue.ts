/**
 * The cells waiting for a slot, first in first out, with a way back to the front for a cell whose turn came and
 * went (no capacity, a retry that has waited its delay). Taking from the front is O(1) amortized.
 *
 * Not p-queue: a slot here is held from a creation until the query reaches a final state (reported by events, not by
 * a promise the queue could await), and a waiting retry holds no slot; p-queue counts a slot per running promise.
 */
export class CellQueue<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  pushFront(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Empties the queue, returning what was in it, front first. */
  drain(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}

/** Items waiting out a delay (a retry's backoff, a no-capacity pause) before going back to the queue. */
export class Waits<T> {
  private readonly timers = new Map<T, NodeJS.Timeout>();

  get size(): number {
    return this.timers.size;
  }

  add(item: T, delayMs: number, due: (item: T) => void): void {
    this.timers.set(
      item,
      setTimeout(() => {
        this.timers.delete(item);
        due(item);
      }, delayMs),
    );
  }

  /** Ends every wait at once; returns the items that were waiting. */
  cancelAll(): T[] {
    const items = [...this.timers.keys()];
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    return items;
  }
}
