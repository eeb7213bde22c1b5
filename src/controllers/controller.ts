import type { QuerySpec } from '../plan/querySpec';

/** Deephaven's query status vocabulary; every controller reports in it. */
export const QUERY_STATUSES = [
  'Uninitialized', 'Connecting', 'Authenticating', 'AcquiringWorker', 'FindingDispatcher', 'Initializing',
  'Executing', 'Running', 'Stopping', 'Stopped', 'Completed', 'Failed', 'Error', 'Disconnected',
] as const;
export type QueryStatus = (typeof QUERY_STATUSES)[number];

/** What a controller knows of one query. */
export interface QueryState {
  serial: string;
  name: string;
  /** May be null or '' while the server has not assigned one. */
  status: QueryStatus | '' | null;
  /** Failure text (the server's fullStackTrace, or a local worker's last log lines). */
  detail?: string;
  processInfoId?: string;
  workerHost?: string;
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
  create(spec: QuerySpec): Promise<string>;
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

export type Phase = 'starting' | 'running' | 'stopping' | 'success' | 'failure' | 'no-capacity';

const NO_CAPACITY = /ResourcesUnavailableException|Unable to find available server|Unable to determine dispatcher|No dispatcher resources available/i;

export function isNoCapacity(text: string | undefined): boolean {
  return Boolean(text && NO_CAPACITY.test(text));
}

export function isTerminal(phase: Phase): boolean {
  return phase === 'success' || phase === 'failure' || phase === 'no-capacity';
}

/**
 * The one place that decides what a status means. `stoppedByUs`: the orchestrator (or a person through it) stopped
 * the query, so a `Stopped` is not a success. A replay worker stops itself at the end of the day: that `Stopped` is.
 */
export function classify(state: Pick<QueryState, 'status' | 'detail'>, queryType: QuerySpec['type'], stoppedByUs: boolean): Phase {
  switch (state.status) {
    case 'Completed':
      return 'success';
    case 'Stopped':
      return !stoppedByUs && queryType === 'ReplayScript' ? 'success' : 'failure';
    case 'Failed':
    case 'Error':
    case 'Disconnected':
      return isNoCapacity(state.detail) ? 'no-capacity' : 'failure';
    case 'Running':
    case 'Executing':
      return 'running';
    case 'Stopping':
      return 'stopping';
    default:
      return 'starting';
  }
}
