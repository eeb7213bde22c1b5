import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { reaperEnv } from './workerEnv';

/**
 * One small shell per run that outlives nothing: it waits for the orchestrator's end of a pipe to close (normal exit,
 * crash or kill -9 alike), then kills every worker process group still listed in `dir`. Workers themselves start
 * as plain `python3 worker.py`, paying nothing per start for this guarantee.
 */
const SCRIPT = `cat >/dev/null
for f in "$PQO_LIVE_DIR"/*.pgid; do
  [ -e "$f" ] || continue
  # \`kill -9 -PGID\`: the form both dash (Debian's sh) and bash accept; dash rejects \`kill -KILL -- -PGID\`.
  kill -9 "-$(cat "$f")" 2>/dev/null
  rm -f "$f"
done`;

export class Reaper {
  private child?: ChildProcess;

  constructor(readonly dir: string) {}

  private ensure(): void {
    if (this.child) return;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Its own session: a Ctrl+C in the terminal must not take it down before the orchestrator.
    this.child = spawn('sh', ['-c', SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: reaperEnv(process.env, this.dir) });
    this.child.on('error', () => undefined);
    this.child.unref();
    (this.child.stdin as Writable & { unref?: () => void }).unref?.();
  }

  /** Call right after spawning a worker as a group leader, before anything else can happen. */
  track(pid: number): void {
    this.ensure();
    fs.writeFileSync(path.join(this.dir, `${pid}.pgid`), String(pid), { mode: 0o600 });
  }

  untrack(pid: number): void {
    try {
      fs.unlinkSync(path.join(this.dir, `${pid}.pgid`));
    } catch {
      /* never tracked */
    }
  }

  /** Closes the pipe: the reaper kills what is left, if anything, and exits. */
  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }
}
