import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { holderAlive, pidAlive, type LockHolder } from './lock';

/** What started a run: the command line in a terminal, an editor window's extension host, or "Run in Background". */
export type OwnerKind = 'cli' | 'editor' | 'background';

/**
 * The process that runs a run, as its record says (the `run` line, and each `resume` line after it): the run lock's
 * holder (pid, the kernel's start time of that pid, host) and what kind of process it is. A reused pid is not taken
 * for the owner: its start time differs.
 */
export interface RunOwner extends LockHolder {
  via: OwnerKind;
}

export function runOwner(holder: LockHolder, via: OwnerKind): RunOwner {
  const { runId: _r, ...rest } = holder;
  return { ...rest, via };
}

/** A record's owner field as read back (anything else is ignored, never trusted). */
export function isOwner(v: unknown): v is RunOwner {
  const o = v as Partial<RunOwner> | null;
  return typeof o === 'object' && o !== null && Number.isInteger(o.pid) && (o.pid as number) > 0 && typeof o.host === 'string' && typeof o.startedAt === 'number' && (o.via === 'cli' || o.via === 'editor' || o.via === 'background') && (o.pidStart === undefined || typeof o.pidStart === 'string');
}

/** `alive`: its process runs on this host; `gone`: it does not (the run was interrupted); `elsewhere`: another host, not knowable from here. */
export type Liveness = 'alive' | 'gone' | 'elsewhere';

export function ownerLiveness(o: RunOwner, isAlive: (pid: number) => boolean = pidAlive): Liveness {
  if (o.host !== os.hostname()) return 'elsewhere';
  return holderAlive(o, isAlive) ? 'alive' : 'gone';
}

/** "the CLI (pid 4242 on research-1)", for the tree and notices. */
export function describeOwner(o: RunOwner): string {
  const what = o.via === 'cli' ? 'the CLI' : o.via === 'background' ? 'a background run' : 'an editor window';
  return `${what} (pid ${o.pid}${o.host === os.hostname() ? '' : ` on ${o.host}`})`;
}

/** The file in a run folder where stop requests are appended, one line each (first: graceful, second: forced). */
export const STOP_FILE = 'stop-requests';

/**
 * Asks a run's owner to stop, through its run folder: works for an owner on any host that shares the folder, and
 * for an owner that is not a terminal process (an editor window). Returns how many requests the file now holds.
 */
export function requestStop(runDir: string, from: string): number {
  const file = path.join(runDir, STOP_FILE);
  fs.appendFileSync(file, JSON.stringify({ from: from.slice(0, 200), at: Date.now() }) + '\n', { mode: 0o600 });
  return countLines(file);
}

function countLines(file: string): number {
  try {
    const text = fs.readFileSync(file, 'utf8');
    let n = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    return n;
  } catch {
    return 0;
  }
}

/**
 * Watches a run folder for stop requests while the run lasts: each request appended after it started calls
 * `onRequest` once (a stat every `intervalMs`; the file is tiny and rarely exists). Requests already there when it
 * starts (an earlier session of a resumed run) do not count.
 */
export class StopRequests {
  private readonly file: string;
  private seen: number;
  private readonly timer: NodeJS.Timeout;

  constructor(runDir: string, private readonly onRequest: (from: string) => void, intervalMs = 500) {
    this.file = path.join(runDir, STOP_FILE);
    this.seen = countLines(this.file);
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  check(): void {
    let size = 0;
    try {
      size = fs.statSync(this.file).size;
    } catch {
      return;
    }
    if (size === 0) return;
    const lines = fs.readFileSync(this.file, 'utf8').split('\n').filter(Boolean);
    for (; this.seen < lines.length; this.seen++) {
      let from = 'another process';
      try {
        const v = JSON.parse(lines[this.seen]) as { from?: unknown };
        if (typeof v.from === 'string') from = v.from;
      } catch {
        /* a torn request still counts as one */
      }
      this.onRequest(from);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
