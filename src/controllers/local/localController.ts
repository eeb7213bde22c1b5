import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CellSpec } from '../../plan/cellSpec';
import type { QueryMark } from '../../plan/mark';
import { attemptLogFile } from './logs';
import { CreateError, type Controller, type Phase, type QueryState } from '../controller';

/** The local worker's states, in the words people know from Deephaven. */
type LocalStatus = 'Initializing' | 'Running' | 'Stopping' | 'Stopped' | 'Completed' | 'Failed';

const PHASE: Record<LocalStatus, Phase> = { Initializing: 'starting', Running: 'running', Stopping: 'stopping', Stopped: 'stopped', Completed: 'succeeded', Failed: 'failed' };
import { Reaper } from './reaper';

export interface LocalControllerOptions {
  /** Folder for the per-attempt log files. */
  logDir: string;
  python: string;
  /** Environment every worker starts from, before the cell's variables (see workerEnv.ts). */
  baseEnv: Record<string, string>;
  /** Lines of a failed worker's log kept as its failure detail. */
  detailLines?: number;
  /** Grace between SIGTERM and SIGKILL when stopping. */
  killGraceMs?: number;
}

interface LocalQuery {
  state: QueryState;
  spec: CellSpec;
  child?: ChildProcess;
  logFile: string;
  exited: Promise<void>;
}

/**
 * Runs each query as a local process: the worker script with the cell's environment, in its own process group,
 * stdout and stderr to a log file. Statuses follow Deephaven's vocabulary so the engine cannot tell the difference.
 */
export class LocalController implements Controller {
  readonly kind = 'local';
  private readonly queries = new Map<string, LocalQuery>();
  private readonly byName = new Map<string, string>();
  private readonly listeners = new Set<(s: QueryState) => void>();
  private seq = 0;
  private readonly prefix = `L${process.pid.toString(36)}${Date.now().toString(36)}`;

  private readonly reaper: Reaper;

  constructor(private readonly options: LocalControllerOptions) {
    fs.mkdirSync(options.logDir, { recursive: true, mode: 0o700 });
    this.reaper = new Reaper(path.join(options.logDir, '.live'));
  }

  subscribe(listener: (state: QueryState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private interpreter?: Promise<string>;

  /**
   * The interpreter's real path, asked once: launchers such as pyenv's shims cost a shell and more per start, which
   * adds up over hundreds of workers. Falls back to the configured command if it cannot say.
   */
  private resolveInterpreter(): Promise<string> {
    this.interpreter ??= new Promise<string>((resolve) => {
      execFile(this.options.python, ['-c', 'import sys; print(sys.executable)'], { timeout: 30_000 }, (err, stdout) => {
        const exe = stdout?.trim();
        resolve(!err && exe && path.isAbsolute(exe) ? exe : this.options.python);
      });
    });
    return this.interpreter;
  }

  async create(spec: CellSpec): Promise<string> {
    if (spec.scriptLanguage !== 'Python') throw new CreateError('the local backend runs Python worker scripts only (script_language: Groovy needs the dhe backend)');
    const python = await this.resolveInterpreter();
    if (this.byName.has(spec.name)) throw new CreateError(`a query named ${spec.name} already exists`);
    const serial = `${this.prefix}-${++this.seq}`;
    const logFile = attemptLogFile(this.options.logDir, spec.name, serial);
    const fd = fs.openSync(logFile, 'w', 0o600);
    const state: QueryState = { serial, name: spec.name, phase: 'starting', status: 'Initializing', ...(spec.mark ? { mark: spec.mark } : {}) };
    let child: ChildProcess;
    this.reaper.arm();
    try {
      child = spawn(python, [spec.scriptPath], {
        cwd: path.dirname(spec.scriptPath),
        env: { ...this.options.baseEnv, ...spec.env, PYTHONUNBUFFERED: '1', PQO_REAPER_TAG: this.reaper.tag },
        stdio: ['ignore', fd, fd],
        detached: true,
      });
      if (child.pid) this.reaper.track(child.pid);
    } finally {
      fs.closeSync(fd);
    }
    let resolveExit!: () => void;
    const q: LocalQuery = { state, spec, child, logFile, exited: new Promise<void>((r) => (resolveExit = r)) };
    this.queries.set(serial, q);
    this.byName.set(spec.name, serial);
    return new Promise<string>((resolve, reject) => {
      let spawned = false;
      child.once('spawn', () => {
        spawned = true;
        resolve(serial);
        this.update(q, { status: 'Initializing' });
        this.update(q, { status: 'Running', processInfoId: String(child.pid) });
      });
      child.once('error', (err) => {
        if (!spawned) {
          this.queries.delete(serial);
          this.byName.delete(spec.name);
          resolveExit();
          reject(new CreateError(`cannot start ${this.options.python}: ${err.message}`));
        }
      });
      child.once('exit', (code, signal) => {
        q.child = undefined;
        if (!spawned) {
          if (child.pid) this.reaper.untrack(child.pid);
          return;
        }
        // Written before anything else, synchronously: if the orchestrator dies now, a resumed run still learns that
        // this worker ended and how, instead of running it again.
        this.writeExitFile(q, this.finalStatus(q, code));
        // Whatever the worker started and left in its process group ends with it (a normal exit too).
        if (child.pid) signalGroup(child.pid, 'SIGKILL');
        if (child.pid) this.reaper.untrack(child.pid);
        void this.onExit(q, code, signal).finally(resolveExit);
      });
    });
  }

  private finalStatus(q: LocalQuery, code: number | null): LocalStatus {
    if (code === 0) return 'Completed';
    return q.state.status === 'Stopping' ? 'Stopped' : 'Failed';
  }

  private writeExitFile(q: LocalQuery, status: LocalStatus): void {
    try {
      fs.mkdirSync(this.endedDir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(path.join(this.endedDir, `${q.spec.name}.${q.state.serial}.json`), JSON.stringify({ name: q.spec.name, serial: q.state.serial, status, ...(q.spec.mark ? { mark: q.spec.mark } : {}) }), { mode: 0o600 });
    } catch {
      /* the log folder is gone: nothing to tell a resumed run */
    }
  }

  /** One small file per ended worker: name, serial and final status. */
  private get endedDir(): string {
    return path.join(this.options.logDir, '.ended');
  }

  /** Queries that ended under an earlier orchestrator of this run (a resumed run shares the log folder). */
  private ended?: Map<string, { state: QueryState; logFile: string }>;

  private endedEarlier(): Map<string, { state: QueryState; logFile: string }> {
    if (this.ended) return this.ended;
    this.ended = new Map();
    for (const f of safeReaddir(this.endedDir)) {
      try {
        const v = JSON.parse(fs.readFileSync(path.join(this.endedDir, f), 'utf8')) as { name: string; serial: string; status: LocalStatus; mark?: QueryMark };
        if (typeof v.name === 'string' && typeof v.serial === 'string') {
          const mark = v.mark && typeof v.mark.run === 'string' && typeof v.mark.config === 'string' && typeof v.mark.fingerprint === 'string' ? { mark: v.mark } : {};
          this.ended.set(v.name, { state: { serial: v.serial, name: v.name, phase: PHASE[v.status] ?? 'failed', status: v.status, ...mark, ...(v.status === 'Failed' ? { detail: 'worker failed (in the interrupted run)' } : {}) }, logFile: path.join(this.options.logDir, f.replace(/\.json$/, '.log')) });
        }
      } catch {
        /* torn by a crash: that worker runs again */
      }
    }
    return this.ended;
  }

  private async onExit(q: LocalQuery, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const status = this.finalStatus(q, code);
    if (status !== 'Failed') {
      this.update(q, { status });
      return;
    }
    const tail = await this.tail(q.logFile);
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    this.update(q, { status: 'Failed', detail: `worker ${how}${tail ? `\n${tail}` : ''}` });
  }

  private update(q: LocalQuery, patch: Partial<QueryState> & { status: LocalStatus }): void {
    q.state = { ...q.state, ...patch, phase: PHASE[patch.status] };
    for (const l of this.listeners) l(q.state);
  }

  async stop(serials: string[]): Promise<void> {
    await Promise.all(serials.map((s) => this.kill(s)));
  }

  private async kill(serial: string): Promise<void> {
    const q = this.queries.get(serial);
    if (!q?.child?.pid) return;
    const pid = q.child.pid;
    this.update(q, { status: 'Stopping' });
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), this.options.killGraceMs ?? 3000);
    await q.exited;
    clearTimeout(timer);
    signalGroup(pid, 'SIGKILL'); // anything the worker left behind in its group
  }

  async delete(serials: string[]): Promise<void> {
    for (const serial of serials) {
      const q = this.queries.get(serial);
      if (!q) {
        this.forgotten.add(serial);
        continue;
      }
      if (q.child) await this.kill(serial);
      this.queries.delete(serial);
      if (this.byName.get(q.state.name) === serial) this.byName.delete(q.state.name);
    }
  }

  get(serial: string): QueryState | undefined {
    const live = this.queries.get(serial)?.state;
    if (live) return live;
    if (this.forgotten.has(serial)) return undefined;
    for (const e of this.endedEarlier().values()) if (e.state.serial === serial) return e.state;
    return undefined;
  }

  findByName(name: string): QueryState | undefined {
    const serial = this.byName.get(name);
    if (serial) return this.get(serial);
    const earlier = this.endedEarlier().get(name);
    return earlier && !this.forgotten.has(earlier.state.serial) ? earlier.state : undefined;
  }

  /** Earlier queries deleted by this orchestrator: their files stay, but they are gone as queries. */
  private readonly forgotten = new Set<string>();

  async log(serial: string): Promise<string | undefined> {
    const file = this.logFile(serial);
    return file ? this.tail(file) : undefined;
  }

  logFile(serial: string): string | undefined {
    const q = this.queries.get(serial);
    if (q) return q.logFile;
    // Deleted queries keep their log file: find it by serial.
    const match = safeReaddir(this.options.logDir).find((f) => f.endsWith(`.${serial}.log`));
    return match ? path.join(this.options.logDir, match) : undefined;
  }

  /** Kills every worker still running; the controller is unusable afterwards. */
  async close(): Promise<void> {
    await Promise.all([...this.queries.values()].filter((q) => q.child).map((q) => this.kill(q.state.serial)));
    this.reaper.close();
  }

  private async tail(file: string): Promise<string> {
    const lines = this.options.detailLines ?? 40;
    try {
      const handle = await fs.promises.open(file, 'r');
      try {
        const { size } = await handle.stat();
        const len = Math.min(size, 64 * 1024);
        const buf = Buffer.alloc(len);
        await handle.read(buf, 0, len, size - len);
        return buf.toString('utf8').split('\n').filter((l, i, all) => l !== '' || i < all.length - 1).slice(-lines).join('\n').trimEnd();
      } finally {
        await handle.close();
      }
    } catch {
      return '';
    }
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
