import { CreateError, type Controller, type QueryState } from '../../src/controllers/controller';
import { phaseOf, type QueryStatus } from '../../src/controllers/dhe/status';
import type { CellSpec } from '../../src/plan/cellSpec';
import type { QueryMark } from '../../src/plan/mark';

/** How the fake server treats one creation of a query name (attempt counts creations of that name, from 1). */
export interface Script {
  createDelayMs?: number;
  /** Refuse the creation; 'capacity' refuses it for lack of room. */
  reject?: string | 'capacity';
  /** Accept the creation but lose the reply: the query exists, the caller sees an error. */
  lostReply?: boolean;
  /** Never leave Initializing. */
  hangInit?: boolean;
  runMs?: number;
  end?: Extract<QueryStatus, 'Completed' | 'Stopped' | 'Failed' | 'Error' | 'Disconnected'>;
  detail?: string;
  /** Never report the terminal status after a stop (a stuck server). */
  ignoreStop?: boolean;
}

interface FakeQuery {
  state: QueryState;
  spec: CellSpec;
  timers: NodeJS.Timeout[];
  terminal: boolean;
  ignoreStop: boolean;
  stopRequested?: boolean;
}

const TERMINAL = new Set(['Completed', 'Stopped', 'Failed', 'Error', 'Disconnected']);

/** A scripted controller: creation results and status sequences per query name, with invariant bookkeeping. */
export class FakeController implements Controller {
  readonly kind = 'fake';
  readonly queries = new Map<string, FakeQuery>();
  readonly creations = new Map<string, number>();
  readonly created: string[] = [];
  readonly deleted: string[] = [];
  readonly stopped: string[] = [];
  maxLive = 0;
  duplicates = 0;
  private seq = 0;
  private readonly listeners = new Set<(s: QueryState) => void>();

  constructor(private readonly script: (spec: CellSpec, attempt: number) => Script = () => ({})) {}

  subscribe(listener: (s: QueryState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Pre-existing query (from an earlier run: `mark` is who made it; none, as a query made by hand). */
  seed(name: string, status: QueryStatus, mark?: QueryMark): string {
    const serial = String(++this.seq);
    this.queries.set(serial, { state: { serial, name, status, phase: phaseOf(status, undefined, 'RunAndDone', false), ...(mark ? { mark } : {}) }, spec: { name } as CellSpec, timers: [], terminal: TERMINAL.has(status), ignoreStop: false });
    return serial;
  }

  live(): number {
    let n = 0;
    for (const q of this.queries.values()) if (!q.terminal) n++;
    return n;
  }

  async create(spec: CellSpec): Promise<string> {
    const attempt = (this.creations.get(spec.name) ?? 0) + 1;
    this.creations.set(spec.name, attempt);
    const s = this.script(spec, attempt);
    if (s.createDelayMs) await sleep(s.createDelayMs);
    if (s.reject) throw new CreateError(s.reject === 'capacity' ? 'ResourcesUnavailableException: no room' : s.reject, s.reject === 'capacity');
    for (const q of this.queries.values()) if (q.state.name === spec.name) this.duplicates++;
    const serial = String(++this.seq);
    const q: FakeQuery = { state: { serial, name: spec.name, status: 'AcquiringWorker', phase: 'starting', ...(spec.mark ? { mark: spec.mark } : {}) }, spec, timers: [], terminal: false, ignoreStop: Boolean(s.ignoreStop) };
    this.queries.set(serial, q);
    this.created.push(spec.name);
    this.maxLive = Math.max(this.maxLive, this.live());
    this.later(q, 0, { status: 'AcquiringWorker' });
    this.later(q, 1, { status: 'Initializing' });
    if (!s.hangInit) {
      this.later(q, 2, { status: 'Running' });
      this.later(q, 2 + (s.runMs ?? 5), { status: s.end ?? 'Completed', ...(s.detail ? { detail: s.detail } : {}) });
    }
    if (s.lostReply) throw new Error('connection lost before the reply');
    return serial;
  }

  private later(q: FakeQuery, ms: number, patch: Partial<QueryState>): void {
    q.timers.push(setTimeout(() => this.set(q, patch), ms));
  }

  private set(q: FakeQuery, patch: Partial<QueryState>): void {
    if (q.terminal || !this.queries.has(q.state.serial)) return;
    q.state = { ...q.state, ...patch };
    // As the dhe controller does: its phase from the status, the query type and whether a stop was asked for.
    q.state.phase = phaseOf(q.state.status, q.state.detail, q.spec.mode === 'replay' ? 'ReplayScript' : 'RunAndDone', Boolean(q.stopRequested));
    if (TERMINAL.has(String(q.state.status))) {
      q.terminal = true;
      for (const t of q.timers) clearTimeout(t);
    }
    for (const l of this.listeners) l(q.state);
  }

  async stop(serials: string[]): Promise<void> {
    for (const serial of serials) {
      const q = this.queries.get(serial);
      if (!q || q.terminal) continue;
      q.stopRequested = true;
      this.stopped.push(q.state.name);
      for (const t of q.timers) clearTimeout(t);
      q.timers = [];
      if (q.ignoreStop) continue;
      this.set(q, { status: 'Stopping' });
      setTimeout(() => this.set(q, { status: 'Stopped' }), 1);
    }
  }

  async delete(serials: string[]): Promise<void> {
    for (const serial of serials) {
      const q = this.queries.get(serial);
      if (!q) throw new Error(`no query with serial ${serial}`);
      for (const t of q.timers) clearTimeout(t);
      q.terminal = true;
      this.queries.delete(serial);
      this.deleted.push(q.state.name);
    }
  }

  get(serial: string): QueryState | undefined {
    return this.queries.get(serial)?.state;
  }

  findByName(name: string): QueryState | undefined {
    for (const q of this.queries.values()) if (q.state.name === name) return q.state;
    return undefined;
  }

  /** How long fetching a log takes (a real server's log call is a round trip). */
  logDelayMs = 0;

  async log(serial: string): Promise<string | undefined> {
    if (this.logDelayMs) await sleep(this.logDelayMs);
    const q = this.queries.get(serial);
    return q ? `log of ${q.state.name}` : undefined;
  }

  async close(): Promise<void> {
    for (const q of this.queries.values()) for (const t of q.timers) clearTimeout(t);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
