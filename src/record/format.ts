import type { CellOutcome, FailureKind, RunEvent, RunSummary } from '../runModel/events';
import type { Mode } from '../config/types';
import { queryName, type Cell, type Plan } from '../plan/plan';
import type { RunOwner } from './owner';

/**
 * The run's record: one JSON object per line, appended with one write each, before the engine acts on what it says
 * (a `creating` line precedes the create call). A crash can tear only the last line, which readers skip.
 *
 * Written lean (a 250,000-cell run writes a million lines): a cell line gives its time as `ms` after the last `run`
 * or `resume` line instead of an absolute `at`, leaves out `a` when the attempt is 1, and leaves out `s` where it
 * repeats the serial the cell's `created` line gave (a success's `finished`, a `deleted`). `readRecord` fills `at`
 * and `a` back in; a `deleted` line without `s` means the cell's current query.
 */
export type RecordLine =
  | { t: 'run'; runId: string; planHash: string; config: string; name: string; mode: string; backend: string; cells: number; cellIndexes?: number[]; rerunOf?: string; layout?: RecordLayout; owner?: RunOwner; at: number }
  | { t: 'resume'; owner?: RunOwner; at: number }
  /** Stop was asked for (a signal, Stop in an editor, a stop request): an attached editor shows "stopping". */
  | { t: 'stop'; stage: 'graceful' | 'forceful'; at: number }
  | { t: 'creating'; i: number; a: number; at: number }
  | { t: 'created'; i: number; a: number; s: string; adopted?: boolean; at: number }
  | { t: 'create-failed'; i: number; a: number; e: string; r?: number; at: number }
  | { t: 'requeued'; i: number; a: number; s?: string; why?: string; at: number }
  | { t: 'finished'; i: number; a: number; o: CellOutcome; k?: FailureKind; s?: string; d?: string; at: number }
  | { t: 'deleted'; i: number; s?: string; at: number }
  | { t: 'end'; exitCode: number; summary: Omit<RunSummary, 'failures' | 'undeleted'>; at: number };

export const RECORD_FILE = 'record.jsonl';

/**
 * The plan's dates and partitions when the run started: with them a cell index names its query even after the
 * config changed, so a later run can match cells by what they are (their query names), not by position.
 */
export interface RecordLayout {
  dates: string[];
  partitions: number;
}

/** The query name of a recorded cell index, from the run's layout (undefined when the record has none). */
export function recordedName(header: Extract<RecordLine, { t: 'run' }>, index: number): string | undefined {
  const l = header.layout;
  if (!l || !Array.isArray(l.dates) || !Number.isInteger(l.partitions) || l.partitions < 1) return undefined;
  const date = l.dates[Math.floor(index / l.partitions)];
  return typeof date === 'string' ? queryName(header.mode as Mode, header.name, date, index % l.partitions) : undefined;
}

export function recordHeader(plan: Plan, runId: string, extra: { cellIndexes?: number[]; rerunOf?: string } = {}): RecordLine {
  return {
    t: 'run',
    runId,
    planHash: plan.hash,
    config: plan.config.file,
    name: plan.name,
    mode: plan.mode,
    backend: plan.config.backend,
    cells: extra.cellIndexes?.length ?? plan.cells.length,
    layout: { dates: [...plan.dates], partitions: plan.numPartitions },
    ...extra,
    at: Date.now(),
  };
}

const OUTCOMES = new Set(['succeeded', 'failed', 'cancelled', 'not-started']);
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Why a record line cannot be used, or undefined when it can. */
export function lineProblem(line: unknown): string | undefined {
  if (typeof line !== 'object' || line === null || Array.isArray(line)) return 'not a JSON object';
  const l = line as Record<string, unknown>;
  switch (l.t) {
    case 'run':
      if (typeof l.runId !== 'string' || typeof l.planHash !== 'string' || !isIndex(l.cells)) return 'a run header without runId, planHash or cells';
      if (l.cellIndexes !== undefined && !(Array.isArray(l.cellIndexes) && l.cellIndexes.every(isIndex))) return 'a run header with bad cellIndexes';
      return undefined;
    case 'resume':
    case 'end':
      return undefined;
    case 'stop':
      return l.stage === 'graceful' || l.stage === 'forceful' ? undefined : 'a stop line without its stage';
    case 'creating':
    case 'created':
    case 'create-failed':
    case 'requeued':
    case 'finished':
    case 'deleted':
      if (!isIndex(l.i)) return `cell index ${JSON.stringify(l.i)} is not a whole number ≥ 0`;
      if (l.t !== 'deleted' && l.a !== undefined && !isIndex(l.a)) return `attempt ${JSON.stringify(l.a)} is not a whole number ≥ 0`;
      if (l.t === 'created' && typeof l.s !== 'string') return 'no serial';
      if (l.s !== undefined && !isSerial(l.s)) return `serial ${JSON.stringify(l.s).slice(0, 80)} is not a serial (letters, digits, - and _ only)`;
      if (typeof l.at !== 'number' && !isIndex(l.ms)) return 'no time (at or ms)';
      if (l.t === 'finished' && !OUTCOMES.has(l.o as string)) return `unknown outcome ${JSON.stringify(l.o)}`;
      return undefined;
    default:
      return `unknown line type ${JSON.stringify(l.t)}`;
  }
}

/**
 * What a serial may be: Deephaven's are numbers, the local backend's letters, digits and a dash. A serial read back
 * from a record names a log file, so anything that could climb out of a folder (`/`, `..`) is refused.
 */
export function isSerial(s: unknown): s is string {
  return typeof s === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(s);
}

// Encoding: an engine event becomes a line; the writer then makes it lean.

/** The record line of an engine event (undefined for events the record does not keep: logs, statuses). */
export function encodeEvent(e: RunEvent): RecordLine | undefined {
  switch (e.type) {
    case 'cell-creating': return { t: 'creating', i: e.cell.index, a: e.attempt, at: e.at };
    case 'cell-created': return { t: 'created', i: e.cell.index, a: e.attempt, s: e.serial, ...(e.adopted ? { adopted: true } : {}), at: e.at };
    case 'cell-create-failed': return { t: 'create-failed', i: e.cell.index, a: e.attempt, e: e.error, ...(e.retryInMs !== undefined ? { r: e.retryInMs } : {}), at: e.at };
    case 'cell-requeued': return { t: 'requeued', i: e.cell.index, a: e.attempt, ...(e.serial ? { s: e.serial } : {}), why: e.reason, at: e.at };
    case 'cell-finished':
      return { t: 'finished', i: e.cell.index, a: e.attempt, o: e.outcome, ...(e.kind ? { k: e.kind } : {}), ...(e.serial ? { s: e.serial } : {}), ...(e.detail ? { d: e.detail } : {}), at: e.at };
    case 'query-deleted': return { t: 'deleted', i: e.cell.index, s: e.serial, at: e.at };
    case 'cancel-requested': return { t: 'stop', stage: e.stage, at: e.at };
    case 'run-finished': {
      const { failures: _f, undeleted: _u, ...summary } = e.summary;
      return { t: 'end', exitCode: e.summary.exitCode, summary, at: e.at };
    }
    default:
      return undefined;
  }
}

/** Makes cell lines lean as they are written, remembering the serials the reader will know (a bounded map). */
export class LeanEncoder {
  /** Cell lines count their time from this (the last `run` or `resume` line written). */
  base: number | undefined;
  /** The serial each recent cell's `created` line gave (bounded: an evicted cell's lines just carry `s` again). */
  private readonly serials = new Map<number, string>();

  /** A cell line as written: relative time, attempt 1 implied, a serial the reader already knows left out. */
  encode(line: Extract<RecordLine, { i: number }>): Record<string, unknown> {
    const known = this.serials.get(line.i);
    if (line.t === 'created') {
      this.serials.delete(line.i);
      this.serials.set(line.i, line.s);
      if (this.serials.size > 8192) this.serials.delete(this.serials.keys().next().value!);
    }
    const dropSerial = (line.t === 'finished' && line.o === 'succeeded' && line.s === known) || (line.t === 'deleted' && line.s === known);
    if (line.t === 'deleted') this.serials.delete(line.i);
    // Built key by key (deleting keys would make every line a slow dictionary object).
    const out: Record<string, unknown> = {};
    for (const k in line) {
      const v = (line as Record<string, unknown>)[k];
      if (k === 'at' || (k === 'a' && v === 1) || (k === 's' && dropSerial) || v === undefined) continue;
      out[k] = v;
    }
    if (this.base !== undefined && line.at >= this.base) out.ms = line.at - this.base;
    else out.at = line.at;
    return out;
  }
}

// Decoding: a lean line read back is filled in, then stands for an engine event again.

/** Fills in what the writer left out of a line: `at` from `ms` after the last `run`/`resume`, attempt 1. */
export function expandLine(line: RecordLine & { ms?: number }, base: number | undefined): void {
  if (!('i' in line)) return;
  if (line.ms !== undefined) line.at = (base ?? 0) + line.ms;
  if (line.t !== 'deleted' && (line as { a?: number }).a === undefined) line.a = 1;
}

/** The run event a record line stands for (the engine's event, less what the record does not keep). */
export function decodeLine(line: RecordLine, cell: (i: number) => Cell | undefined, runId: string, serialOf: (i: number) => string | undefined = () => undefined): RunEvent | undefined {
  if (line.t === 'run') return { type: 'run-started', runId: line.runId, planHash: line.planHash, cells: line.cells, concurrency: 0, resumed: false, at: line.at };
  if (line.t === 'resume') return { type: 'run-started', runId, planHash: '', cells: 0, concurrency: 0, resumed: true, at: line.at };
  if (line.t === 'stop') return { type: 'cancel-requested', stage: line.stage, at: line.at };
  if (line.t === 'end') return { type: 'run-finished', summary: { ...line.summary, failures: [], undeleted: [] } as RunSummary, at: line.at };
  const c = cell(line.i);
  if (!c) return undefined;
  switch (line.t) {
    case 'creating': return { type: 'cell-creating', cell: c, attempt: line.a, at: line.at };
    case 'created': return { type: 'cell-created', cell: c, attempt: line.a, serial: line.s, adopted: Boolean(line.adopted), at: line.at };
    case 'create-failed': return { type: 'cell-create-failed', cell: c, attempt: line.a, error: line.e, ...(line.r !== undefined ? { retryInMs: line.r } : {}), at: line.at };
    case 'requeued': return { type: 'cell-requeued', cell: c, attempt: line.a, ...(line.s ? { serial: line.s } : {}), reason: line.why ?? 'queued again', at: line.at };
    case 'finished': return { type: 'cell-finished', cell: c, attempt: line.a, outcome: line.o, ...(line.k ? { kind: line.k } : {}), ...(line.s ? { serial: line.s } : {}), ...(typeof line.d === 'string' ? { detail: line.d } : {}), at: line.at };
    case 'deleted': {
      // Without `s`: the cell's current query (the writer leaves out a serial the reader knows).
      const serial = line.s ?? serialOf(line.i);
      return serial === undefined ? undefined : { type: 'query-deleted', cell: c, serial, at: line.at };
    }
  }
}

