export type WorkKind = 'creating' | 'finishing' | 'deleting' | 'stopping';

/**
 * When a run ends, answered here: when nothing is outstanding (creations in flight, failures whose log is being
 * fetched, deletions, forced stops) and `busy()` says no cell is live, queued or waiting to retry. `check()` after
 * anything that may end the run; every settled piece of work checks by itself.
 */
export class Outstanding {
  private readonly counts: Record<WorkKind, number> = { creating: 0, finishing: 0, deleting: 0, stopping: 0 };
  private readonly promises = new Set<Promise<unknown>>();
  private total = 0;
  private finished?: () => void;

  constructor(private readonly busy: () => boolean = () => false) {}

  /** Resolves the first time a check finds the run over. */
  whenOver(): Promise<void> {
    return new Promise((resolve) => {
      this.finished = resolve;
      this.check();
    });
  }

  check(): void {
    if (!this.finished || this.total > 0 || this.busy()) return;
    const resolve = this.finished;
    this.finished = undefined;
    resolve();
  }

  begin(kind: WorkKind): void {
    this.counts[kind]++;
    this.total++;
  }

  end(kind: WorkKind): void {
    if (this.counts[kind] === 0) throw new Error(`outstanding ${kind} ended more often than it began`);
    this.counts[kind]--;
    this.total--;
  }

  /** Counts the promise as outstanding work of that kind until it settles. */
  track<T>(kind: WorkKind, p: Promise<T>): Promise<T> {
    this.begin(kind);
    const done = p.finally(() => {
      this.promises.delete(done);
      this.end(kind);
      this.check();
    });
    this.promises.add(done);
    return done;
  }

  count(kind: WorkKind): number {
    return this.counts[kind];
  }

  get idle(): boolean {
    return this.total === 0;
  }

  /** Resolves when every tracked promise has settled (including ones tracked meanwhile). */
  async settled(): Promise<void> {
    while (this.promises.size) await Promise.allSettled([...this.promises]);
  }
}
