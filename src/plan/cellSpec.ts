import type { Mode, TimestampColumn } from '../config/types';
import type { QueryMark } from './mark';
import { cellEnv, type Cell, type Plan } from './plan';

/**
 * Everything a controller needs to run one cell, in the plan's own terms: no server vocabulary. The Deephaven
 * controller turns it into a query config (controllers/dhe/querySpec.ts); the local one into a process.
 */
export interface CellSpec {
  name: string;
  mode: Mode;
  cell: { date: string; partition: number };
  /** The worker's environment: the five automatic variables, then the config's `env`. */
  env: Record<string, string>;
  scriptPath: string;
  /** The worker script's text, read once for the whole run. */
  scriptCode: string;
  scriptLanguage: 'Python' | 'Groovy';
  serverName: string;
  heapSizeGb: number;
  workerKind: string;
  jvmProfile: string;
  /** Replay: how long it may take to start running. Batch: how long it may run. Milliseconds. */
  timeoutMs: number;
  /** Who makes the query: sent with it, so a later run can tell its own queries from others of the same name. */
  mark?: QueryMark;
  replay?: {
    date: string;
    start: string;
    speed: number;
    sorted: boolean;
    bufferRows?: number;
    timestampColumns: TimestampColumn[];
  };
}

export function cellSpec(plan: Plan, cell: Cell, mark?: QueryMark): CellSpec {
  const c = plan.config;
  const ex = c.execution;
  const replay = c.mode === 'replay' ? c.replay : undefined;
  return {
    name: cell.queryName,
    mode: plan.mode,
    cell: { date: cell.date, partition: cell.partition },
    env: cellEnv(plan, cell),
    scriptPath: ex.worker_script,
    scriptCode: plan.scriptText,
    scriptLanguage: ex.script_language,
    serverName: ex.server_name,
    heapSizeGb: ex.heap_size_gb,
    workerKind: ex.worker_kind,
    jvmProfile: ex.jvm_profile,
    ...(mark ? { mark } : {}),
    timeoutMs: Math.round((c.mode === 'replay' ? c.replay.init_timeout_minutes : c.batch.timeout_minutes) * 60_000),
    ...(replay
      ? {
          replay: {
            date: cell.date,
            start: replay.replay_start,
            speed: replay.replay_speed,
            sorted: replay.sorted_replay,
            ...(replay.buffer_rows !== undefined ? { bufferRows: replay.buffer_rows } : {}),
            timestampColumns: replay.replay_timestamp_columns,
          },
        }
      : {}),
  };
}
