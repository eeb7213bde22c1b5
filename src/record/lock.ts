import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Who holds a config's run lock. */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: number;
  /** The kernel's start time of that pid (Linux: /proc/<pid>/stat): a pid reused by another process is not the holder. */
  pidStart?: string;
  runId?: string;
}

/**
 * Where a config's run lock lives: beside the config, named by the config's identity (its name and resolved path),
 * so every run of it checks the same lock whatever --run-dir it writes to, and two configs never share one.
 */
export function configLockDir(configFile: string, name: string): string {
  const id = createHash('sha256').update(`${name}@${path.resolve(configFile)}`).digest('hex').slice(0, 12);
  return path.join(path.dirname(path.resolve(configFile)), '.pq-orchestrator', 'locks', `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${id}`);
}

/** A process's start time as the kernel counts it (clock ticks since boot), or undefined where it cannot be read. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The holder's process still runs: its pid is alive and, where known, started when the lock says. */
export function holderAlive(h: LockHolder, isAlive: (pid: number) => boolean = pidAlive): boolean {
  if (!isAlive(h.pid)) return false;
  if (h.pidStart === undefined) return true;
  const now = processStartTime(h.pid);
  return now === undefined || now === h.pidStart;
}

export type LockResult =
  | { ok: true; lock: RunLock; tookOverFrom?: LockHolder }
  | { ok: false; holder?: LockHolder; message: string };

export const LOCK_FILE = 'run.lock';

/**
 * One run per config at a time (the lock is in `configLockDir`). The lock file holds pid, host and start time; it is created with
 * O_EXCL. A lock whose pid is dead on this host is stale (a run killed by kill -9) and is taken over; taking over is
 * itself exclusive per stale holder (a marker file created with O_EXCL), so two runs that find the same stale lock
 * cannot both take it.
 */
export function acquireRunLock(root: string, runId?: string, isAlive: (pid: number) => boolean = pidAlive): LockResult {
  // Folders made only for the lock are removed with it, so a run that never started leaves nothing behind.
  const firstMade = fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const made = firstMade ? madeChain(firstMade, root) : [];
  const file = path.join(root, LOCK_FILE);
  const pidStart = processStartTime(process.pid);
  const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: Date.now(), ...(pidStart ? { pidStart } : {}), ...(runId ? { runId } : {}) };
  if (createExclusive(file, me)) return { ok: true, lock: new RunLock(file, me, undefined, made) };
  const holder = readHolder(file);
  if (!holder) {
    // Lock files appear whole (see createExclusive): an unreadable one is damaged. Never guess: refuse.
    return { ok: false, message: `another run of this config holds ${file} (unreadable); if no run is in progress, delete that file` };
  }
  if (holder.host !== os.hostname()) {
    return { ok: false, holder, message: `${describe(holder)} holds ${file}; if that run is no longer running, delete that file` };
  }
  if (holderAlive(holder, isAlive)) return { ok: false, holder, message: `${describe(holder)} is still running; wait for it to end or stop it (lock: ${file})` };
  const marker = `${file}.takeover-${holder.pid}-${holder.startedAt}`;
  if (!createExclusive(marker, me)) return { ok: false, holder, message: `another run is taking over the stale lock ${file} left by pid ${holder.pid}` };
  try {
    fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
  if (!createExclusive(file, me)) return { ok: false, holder: readHolder(file), message: `another run took ${file} first` };
  return { ok: true, lock: new RunLock(file, me, marker, made), tookOverFrom: holder };
}

export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  constructor(
    readonly file: string,
    readonly holder: LockHolder,
    private readonly marker?: string,
    /** Folders this lock created, deepest last. */
    private readonly made: string[] = [],
  ) {
    // A process that exits without release (a third Ctrl+C) still frees its lock.
    process.on('exit', this.onExit);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    if (readHolder(this.file)?.pid === this.holder.pid && readHolder(this.file)?.startedAt === this.holder.startedAt) safeUnlink(this.file);
    if (this.marker) safeUnlink(this.marker);
    for (const dir of [...this.made].reverse()) {
      try {
        fs.rmdirSync(dir); // only when empty: a run that started has its folder there
      } catch {
        break;
      }
    }
  }
}

/** The folders from `first` down to `last`, as mkdir -p made them. */
function madeChain(first: string, last: string): string[] {
  const out = [last];
  let d = last;
  while (d !== first && path.dirname(d) !== d) {
    d = path.dirname(d);
    out.unshift(d);
  }
  return out;
}

/**
 * Creates `file` holding `holder`, only if it does not exist, and atomically with its content: written to a private
 * temporary file first, then hard-linked into place (link fails if the name exists). A reader never sees it empty.
 */
function createExclusive(file: string, holder: LockHolder): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(holder), { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    safeUnlink(tmp);
  }
}

export function readHolder(file: string): LockHolder | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.startedAt === 'number') return v as LockHolder;
  } catch {
    /* missing or damaged */
  }
  return undefined;
}

function describe(h: LockHolder): string {
  return `another run of this config (pid ${h.pid} on ${h.host}, started ${new Date(h.startedAt).toISOString()}${h.runId ? `, run ${h.runId}` : ''})`;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safeUnlink(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    /* gone */
  }
}
