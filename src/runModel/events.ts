import { maskFields } from '../util/redact';
import type { Cell } from '../plan/plan';
import type { LogLevel } from '../util/log';

export type CellOutcome = 'succeeded' | 'failed' | 'cancelled' | 'not-started';
export type FailureKind = 'creation' | 'execution';

/** The live state of a cell, as the tree and the progress line show it. */
export type CellState = 'pending' | 'waiting-retry' | 'creating' | 'active' | 'succeeded' | 'failed' | 'cancelled' | 'not-started';

export interface CellFailure<C = Cell> {
  cell: C;
  kind: FailureKind;
  serial?: string;
  attempt: number;
  detail: string;
}

export interface RunSummary {
  runId: string;
  cells: number;
  succeeded: number;
  failedCreation: number;
  failedExecution: number;
  /** Stopped by a forceful cancel while running. */
  cancelled: number;
  /** Never created: cancelled before creation, or left when the failure budget ran out. */
  notStarted: number;
  failures: CellFailure[];
  /** Queries this run created and could not delete although the config asked for it. */
  undeleted: { name: string; serial: string; error: string }[];
  interrupted: false | 'graceful' | 'forceful';
  budgetExhausted: boolean;
  exitCode: number;
  startedAt: number;
  endedAt: number;
  /** The wall time forecast at the start (from the last run of the same plan), when there was one. */
  forecastMs?: number;
}

interface Base {
  at: number;
}
interface CellBase extends Base {
  cell: Cell;
}

export type RunEvent =
  | (Base & { type: 'run-started'; runId: string; planHash: string; cells: number; concurrency: number; resumed: boolean })
  | (CellBase & { type: 'cell-creating'; attempt: number })
  | (CellBase & { type: 'cell-created'; attempt: number; serial: string; adopted: boolean })
  | (CellBase & { type: 'cell-status'; attempt: number; serial: string; status: string })
  | (CellBase & { type: 'cell-create-failed'; attempt: number; error: string; retryInMs?: number })
  | (CellBase & { type: 'cell-requeued'; attempt: number; serial?: string; reason: string })
  | (CellBase & { type: 'cell-finished'; attempt: number; outcome: CellOutcome; kind?: FailureKind; serial?: string; detail?: string })
  | (CellBase & { type: 'query-deleted'; serial: string })
  | (Base & { type: 'log'; level: LogLevel; message: string })
  | (Base & { type: 'cancel-requested'; stage: 'graceful' | 'forceful' })
  | (Base & { type: 'run-finished'; summary: RunSummary });

export type RunEventType = RunEvent['type'];

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
/** An event before it is stamped with its time. */
export type RunEventInput = DistributiveOmit<RunEvent, 'at'>;
/** How a cell ended, as its `cell-finished` event says. */
export type CellFinish = Omit<Extract<RunEvent, { type: 'cell-finished' }>, 'type' | 'cell' | 'at'>;

export type RunListener = (event: RunEvent) => void;

/** What an earlier, interrupted run of the same plan knew about a cell (from its record). */
export interface PriorCell {
  outcome?: CellOutcome;
  kind?: FailureKind;
  serial?: string;
  attempts: number;
  detail?: string;
  /** The query was deleted on the server. */
  deleted?: boolean;
}

/** The event fields that carry free text (worker output, server and error messages). */
const FREE_TEXT = ['message', 'error', 'reason', 'detail'] as const;

/** An event with the secrets masked in its free text, and only there: structured fields are never masked as text. */
export function maskFreeText(e: RunEvent, secrets: readonly string[]): RunEvent {
  return maskFields(e, FREE_TEXT, secrets);
}
