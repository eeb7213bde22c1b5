import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { reaperEnv } from './workerEnv';

/**
 * One small shell per run that outlives nothing: it waits for the orchestrator's end of a pipe to close (normal exit,
 * crash or kill -9 alike), then kills every worker process group still listed in `dir`. Workers themselves start
 * as plain `python3 worker.py`, paying nothing per start for this guarantee.
 *
 * A worker forked in the instant before its pgid file was written is found another way after a crash: every worker
 * carries PQO_REAPER_TAG=<this run's tag> in its environment, and the reaper looks for it in /proc (Linux). The
 * reaper itself holds the tag under another name, so it never matches itself.
 */
const SCRIPT = `read -r how || how=""
groups=""
for f in "$PQO_LIVE_DIR"/*.pgid; do
  [ -e "$f" ] || continue
  pg=""; read -r pg < "$f"  # no newline at the end: read fails but still sets pg
  [ -n "$pg" ] && groups="$groups -$pg"
done
# One builtin kill for every group, as soon as possible: a worker that ends between the orchestrator's death and
# this line has nobody to record it, and runs again on --resume. \`kill -9 -PGID\` is the form dash (Debian's sh)
# and bash both accept; dash rejects \`kill -KILL -- -PGID\`.
[ -n "$groups" ] && kill -9 $groups 2>/dev/null
if [ "$how" != clean ] && [ -d /proc/self ]; then
  for e in $(grep -l -s -z -x "PQO_REAPER_TAG=$PQO_TAG_VALUE" /proc/[0-9]*/environ 2>/dev/null); do
    p=\${e#/proc/}; p=\${p%/environ}
    [ "$p" = "$$" ] || kill -9 -"$p" "$p" 2>/dev/null
  done
fi
rm -f "$PQO_LIVE_DIR"/*.pgid`;

export class Reaper {
  private child?: ChildProcess;
  /** Goes into every worker's environment as PQO_REAPER_TAG. */
  readonly tag = randomBytes(8).toString('hex');

  constructor(readonly dir: string) {}

  /** Starts the reaper if it is not running; call before spawning a worker. */
  arm(): void {
    if (this.child) return;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Its own session: a Ctrl+C in the terminal must not take it down before the orchestrator.
    this.child = spawn('sh', ['-c', SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: reaperEnv(process.env, this.dir, this.tag) });
    this.child.on('error', () => undefined);
    this.child.unref();
    (this.child.stdin as Writable & { unref?: () => void }).unref?.();
  }

  /** Call right after spawning a worker as a group leader, before anything else can happen. */
  track(pid: number): void {
    this.arm();
    fs.writeFileSync(path.join(this.dir, `${pid}.pgid`), String(pid), { mode: 0o600 });
  }

  untrack(pid: number): void {
    try {
      fs.unlinkSync(path.join(this.dir, `${pid}.pgid`));
    } catch {
      /* never tracked */
    }
  }

  /** Tells the reaper this is a normal end, then closes the pipe: it kills what is left, if anything, and exits. */
  close(): void {
    this.child?.stdin?.end('clean\n');
    this.child = undefined;
  }
}
