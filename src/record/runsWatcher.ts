import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileStamp } from '../util/fileStamp';
import { nearestExisting } from '../util/fsErrors';
import { RECORD_FILE } from './format';
import { listRuns } from './runs';

type Watch = (target: string, listener: () => void) => { close(): void };

/**
 * Notices runs as they start or go on, under the runs folders of the workspace's configs, wherever they were
 * started: for each folder, the file system notifies on the folder (a new run), on its newest run's folder (its
 * record appearing) and on that record (a resume of an ended run). Nothing is read while nothing changes; on a file
 * system without notifications it looks every `pollMs` instead (one folder listing per config). Calls `onRecord`
 * with the newest record of a folder whenever something changed there.
 */
export class RunsWatcher {
  private roots: string[] = [];
  private readonly seen = new Map<string, string>();
  private readonly watchers = new Map<string, { close(): void }>();
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  /** How it learns of new runs. */
  mode: 'watch' | 'poll' = 'watch';

  constructor(private readonly onRecord: (recordFile: string) => void, private readonly pollMs = 2000, private readonly watch: Watch = (t, l) => fs.watch(t, { persistent: false }, l)) {}

  /** The runs folders to watch (`runsRoot` of each config); looks at each once now. */
  setRoots(roots: readonly string[]): void {
    this.roots = [...new Set(roots)];
    this.refresh();
  }

  /** Looks at every runs folder: hands on each newest record, and moves the watches to what is newest now. */
  refresh(): void {
    const want = new Set<string>();
    for (const root of this.roots) {
      want.add(nearestExisting(root, fs.existsSync));
      const newest = listRuns(root)[0];
      if (!newest) continue;
      want.add(newest);
      const record = path.join(newest, RECORD_FILE);
      let st: fs.Stats;
      try {
        st = fs.statSync(record);
      } catch {
        continue;
      }
      want.add(record);
      // Handed on when it changed since last time only (a run of this window writes often; others need not care).
      const stamp = fileStamp(st);
      if (this.seen.get(record) === stamp) continue;
      this.seen.set(record, stamp);
      this.onRecord(record);
    }
    if (this.mode === 'poll') return;
    for (const [target, w] of this.watchers) {
      if (want.has(target)) continue;
      w.close();
      this.watchers.delete(target);
    }
    for (const target of want) {
      if (this.watchers.has(target)) continue;
      try {
        const w = this.watch(target, () => this.soon());
        (w as fs.FSWatcher).on?.('error', () => this.soon());
        this.watchers.set(target, w);
      } catch {
        return this.poll();
      }
    }
  }

  /** Many notifications in a burst (a run writing its first lines) make one look. */
  private soon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.refresh();
    }, 50);
    this.pending.unref?.();
  }

  private poll(): void {
    this.mode = 'poll';
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.timer = setInterval(() => this.refresh(), this.pollMs);
    this.timer.unref();
  }

  /** What is watched now (for tests and the log). */
  get watched(): string[] {
    return [...this.watchers.keys()];
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
