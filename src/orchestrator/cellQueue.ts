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
