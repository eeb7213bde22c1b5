import type { Phase } from '../controller';

/** Deephaven's query status vocabulary. */
export const QUERY_STATUSES = [
  'Uninitialized', 'Connecting', 'Authenticating', 'AcquiringWorker', 'FindingDispatcher', 'Initializing',
  'Executing', 'Running', 'Stopping', 'Stopped', 'Completed', 'Failed', 'Error', 'Disconnected',
] as const;
export type QueryStatus = (typeof QUERY_STATUSES)[number];

const NO_CAPACITY = /ResourcesUnavailableException|Unable to find available server|Unable to determine dispatcher|No dispatcher resources available/i;

/** The server refused a query (or its creation) for lack of room. */
export function isNoCapacity(text: string | undefined): boolean {
  return Boolean(text && NO_CAPACITY.test(text));
}

/**
 * The one place that decides what a Deephaven status means. `stopRequested`: the orchestrator stopped the query, so
 * its `Stopped` is not a success. A replay worker stops itself at the end of its day: that `Stopped` is one.
 */
export function phaseOf(status: string | null | undefined, detail: string | undefined, queryType: string | undefined, stopRequested: boolean): Phase {
  switch (status) {
    case 'Completed':
      return 'succeeded';
    case 'Stopped':
      if (stopRequested) return 'stopped';
      return queryType === 'ReplayScript' ? 'succeeded' : 'failed';
    case 'Failed':
    case 'Error':
    case 'Disconnected':
      return isNoCapacity(detail) ? 'no-capacity' : 'failed';
    case 'Running':
    case 'Executing':
      return 'running';
    case 'Stopping':
      return 'stopping';
    default:
      return 'starting';
  }
}
