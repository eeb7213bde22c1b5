import type { CellSpec } from '../plan/cellSpec';
import type { QueryMark } from '../plan/mark';

/**
 * Where a query is in its life, in words every controller shares; the engine decides on these alone.
 * `stopped`: ended because the orchestrator asked it to stop. `no-capacity`: refused for lack of room (queued again).
 */
export type Phase = 'starting' | 'running' | 'stopping' | 'succeeded' | 'failed' | 'stopped' | 'no-capacity';

const FINAL = new Set<Phase>(['succeeded', 'failed', 'stopped', 'no-capacity']);

export function isFinal(phase: Phase): boolean {
  return FINAL.has(phase);
}

/** What a controller knows of one query. */
export interface QueryState {
  serial: string;
  name: string;
  phase: Phase;
  /** The backend's own word for the state, shown to people (a Deephaven status such as "AcquiringWorker"). */
  status: string;
  /** Failure text (the server's fullStackTrace, or a local worker's last log lines). */
  detail?: string;
  processInfoId?: string;
  workerHost?: string;
  /** Who made it, read from the query itself (undefined: no mark; not made by this tool). */
  mark?: QueryMark;
  /** The server's owner of the query, where the backend has one (for messages). */
  owner?: string;
}

/** A creation the controller refused. `noCapacity`: the server had no room; the cell is queued again. */
export class CreateError extends Error {
  constructor(message: string, readonly noCapacity = false) {
    super(message);
    this.name = 'CreateError';
  }
}

/** The backend that creates, watches, stops and deletes queries. */
export interface Controller {
  readonly kind: string;
  /** Every status change of every query the controller can see, as it happens. Returns the remover. */
  subscribe(listener: (state: QueryState) => void): () => void;
  /** Creates a query; resolves with its serial once the server accepted it. */
  create(spec: CellSpec): Promise<string>;
  stop(serials: string[]): Promise<void>;
  delete(serials: string[]): Promise<void>;
  get(serial: string): QueryState | undefined;
  findByName(name: string): QueryState | undefined;
  /** The worker's log (or the best the backend has), for a failed query's detail. */
  log(serial: string): Promise<string | undefined>;
  /** A file holding the attempt's log, where the backend writes one (local). */
  logFile?(serial: string): string | undefined;
  close(): Promise<void>;
}
