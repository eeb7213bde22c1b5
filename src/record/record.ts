import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CellOutcome, FailureKind, RunEvent, RunSummary } from '../orchestrator/events';
import type { Plan } from '../plan/plan';
import { redact } from '../util/redact';

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
  | { t: 'run'; runId: string; planHash: string; config: string; name: string; mode: string; backend: string; cells: number; cellIndexes?: number[]; rerunOf?: string; at: number }
  | { t: 'resume'; at: number }
  | { t: 'creating'; i: number; a: number; at: number }
  | { t: 'created'; i: number; a: number; s: string; adopted?: boolean; at: number }
  | { t: 'create-failed'; i: number; a: number; e: string; r?: number; at: number }
  | { t: 'requeued'; i: number; a: number; s?: string; why?: string; at: number }
  | { t: 'finished'; i: number; a: number; o: CellOutcome; k?: FailureKind; s?: string; d?: string; at: number }
  | { t: 'deleted'; i: number; s?: string; at: number }
  | { t: 'end'; exitCode: number; summary: Omit<RunSummary, 'failures' | 'undeleted'>; at: number };

export const RECORD_FILE = 'record.jsonl';

export { newRunId, runsRoot } from './runIds';

/**
 * Appends record lines. A line that precedes an action on the server (`creating`) and the run's first and last lines
 * are written at once, together with anything buffered; the rest is written at the end of the current turn of the
 * event loop, in one write. A crash in that window loses only lines the server can tell again (statuses of queries
 * it knows by name), never the intent to create.
 */
export class RecordWriter {
  private fd: number | undefined;
  private buffer: string[] = [];
  private scheduled = false;
  readonly file: string;
  /** Cell lines count their time from this (the last `run` or `resume` line written). */
  private base: number | undefined;
  /** The serial each recent cell's `created` line gave (bounded: an evicted cell's lines just carry `s` again). */
  private readonly serials = new Map<number, string>();
  /** Bytes of whole lines in the file: a write that fails part-way is cut back to this, so the record reads back whole. */
  private size: number;
  /** The record ended in a torn line (a crash mid-write) and was continued on a fresh line. */
  readonly repairedTornLine: boolean;
  /** Called when a deferred write fails (a full disk, a file-size limit); a failing `append` throws instead. */
  onError: ((e: RecordWriteError) => void) | undefined;

  constructor(readonly dir: string, private readonly secrets: readonly string[]) {
    // Owner-only: a record names servers, users and queries; it never holds a secret, but others need not read it.
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, RECORD_FILE);
    this.fd = fs.openSync(this.file, 'a+', 0o600);
    this.size = fs.fstatSync(this.fd).size;
    this.repairedTornLine = this.size > 0 && !endsWithNewline(this.fd, this.size);
    // Appending right after a torn line would glue this run's first line to it (and lose both).
    if (this.repairedTornLine) this.write(Buffer.from('\n'));
  }

  append(line: RecordLine): void {
    if (this.fd === undefined) throw new Error('run record is closed');
    if (line.t === 'run' || line.t === 'resume') this.base = line.at;
    const text = JSON.stringify('i' in line ? this.lean(line) : line);
    // Only lines with free text (errors, details, reasons, the header and the end) can hold a secret.
    const free = !('i' in line) || line.t === 'create-failed' || line.t === 'requeued' || (line.t === 'finished' && line.d !== undefined);
    this.buffer.push(this.secrets.length && free ? redact(text, this.secrets) : text);
    if (line.t === 'creating' || line.t === 'run' || line.t === 'resume' || line.t === 'end') this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        try {
          if (this.fd !== undefined) this.flush();
        } catch (e) {
          if (!(e instanceof RecordWriteError) || !this.onError) throw e;
          this.onError(e);
        }
      });
    }
  }

  /** A cell line as written: relative time, attempt 1 implied, a serial the reader already knows left out. */
  private lean(line: Extract<RecordLine, { i: number }>): Record<string, unknown> {
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

  /** Writes what is buffered, whole lines in one write. Throws a RecordWriteError naming the file and the cause. */
  flush(): void {
    if (this.fd === undefined || this.buffer.length === 0) return;
    const data = Buffer.from(this.buffer.join('\n') + '\n');
    this.buffer = [];
    this.write(data);
  }

  /** All of `data` or none of it: a short write is continued, a failed one cut back to the last whole line. */
  private write(data: Buffer): void {
    let done = 0;
    try {
      while (done < data.length) done += fs.writeSync(this.fd!, data, done, data.length - done);
      this.size += data.length;
    } catch (e) {
      try {
        fs.ftruncateSync(this.fd!, this.size);
      } catch {
        /* the reader skips a torn last line */
      }
      throw new RecordWriteError(this.file, e as NodeJS.ErrnoException);
    }
  }

  /** Turns engine events into record lines. */
  onEvent(e: RunEvent): void {
    switch (e.type) {
      case 'cell-creating': return this.append({ t: 'creating', i: e.cell.index, a: e.attempt, at: e.at });
      case 'cell-created': return this.append({ t: 'created', i: e.cell.index, a: e.attempt, s: e.serial, ...(e.adopted ? { adopted: true } : {}), at: e.at });
      case 'cell-create-failed': return this.append({ t: 'create-failed', i: e.cell.index, a: e.attempt, e: e.error, ...(e.retryInMs !== undefined ? { r: e.retryInMs } : {}), at: e.at });
      case 'cell-requeued': return this.append({ t: 'requeued', i: e.cell.index, a: e.attempt, ...(e.serial ? { s: e.serial } : {}), why: e.reason, at: e.at });
      case 'cell-finished':
        return this.append({ t: 'finished', i: e.cell.index, a: e.attempt, o: e.outcome, ...(e.kind ? { k: e.kind } : {}), ...(e.serial ? { s: e.serial } : {}), ...(e.detail ? { d: e.detail } : {}), at: e.at });
      case 'query-deleted': return this.append({ t: 'deleted', i: e.cell.index, s: e.serial, at: e.at });
      case 'run-finished': {
        const { failures: _f, undeleted: _u, ...summary } = e.summary;
        return this.append({ t: 'end', exitCode: e.summary.exitCode, summary, at: e.at });
      }
      default:
        return;
    }
  }

  close(): void {
    try {
      this.flush();
    } finally {
      if (this.fd !== undefined) fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

/** The record could not be written: names the file and the system's reason (ENOSPC: disk full; EFBIG: file too large). */
export class RecordWriteError extends Error {
  constructor(readonly file: string, cause: NodeJS.ErrnoException) {
    const why = cause.code === 'ENOSPC' ? 'the disk is full' : cause.code === 'EFBIG' ? 'the file-size limit was reached' : cause.code === 'EDQUOT' ? 'the disk quota is used up' : cause.code === 'EROFS' ? 'the file system is read-only' : cause.message;
    super(`cannot write the run record ${file}: ${why}${cause.code ? ` (${cause.code})` : ''}`);
    this.name = 'RecordWriteError';
  }
}

function endsWithNewline(fd: number, size: number): boolean {
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, size - 1);
  return b[0] === 0x0a;
}

export interface RecordedRun {
  dir: string;
  header: Extract<RecordLine, { t: 'run' }>;
  ended?: Extract<RecordLine, { t: 'end' }>;
  /** The valid lines after the header, in order: replay them with `recordedState` (record/replay.ts). */
  lines: RecordLine[];
  /** Lines that were skipped, each naming its line number and why. */
  warnings: string[];
}

/** The newest run's record exists but cannot be trusted: refused rather than silently replaced by an older run. */
export class DamagedRecordError extends Error {}

const OUTCOMES = new Set(['succeeded', 'failed', 'cancelled', 'not-started']);
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Why a record line cannot be used, or undefined when it can. */
function lineProblem(line: unknown): string | undefined {
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
    case 'creating':
    case 'created':
    case 'create-failed':
    case 'requeued':
    case 'finished':
    case 'deleted':
      if (!isIndex(l.i)) return `cell index ${JSON.stringify(l.i)} is not a whole number ≥ 0`;
      if (l.t !== 'deleted' && l.a !== undefined && !isIndex(l.a)) return `attempt ${JSON.stringify(l.a)} is not a whole number ≥ 0`;
      if (l.t === 'created' && typeof l.s !== 'string') return 'no serial';
      if (l.t === 'deleted' && l.s !== undefined && typeof l.s !== 'string') return 'a serial that is not a string';
      if (typeof l.at !== 'number' && !isIndex(l.ms)) return 'no time (at or ms)';
      if (l.t === 'finished' && !OUTCOMES.has(l.o as string)) return `unknown outcome ${JSON.stringify(l.o)}`;
      return undefined;
    default:
      return `unknown line type ${JSON.stringify(l.t)}`;
  }
}

/**
 * Reads a record. A torn last line (a crash mid-write) is skipped silently; any other line that is not a valid
 * record line is skipped with a warning naming its line number. Undefined when there is no record file; throws
 * DamagedRecordError when there is one but it has no valid run header or cannot be read.
 *
 * With `visit`, each valid line (the header first) goes to it as it is read and `lines` stays empty: a million-line
 * record is then replayed without keeping a million objects alive (which is most of the cost of reading one).
 */
export function readRecord(dir: string, visit?: (line: RecordLine) => void): RecordedRun | undefined {
  const file = path.join(dir, RECORD_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DamagedRecordError(`cannot read the run record ${file}: ${(e as Error).message}`);
  }
  let end = text.length;
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  // The last line may be torn by a crash: it alone is skipped without a warning.
  const lastStart = text.lastIndexOf('\n', end - 1) + 1;
  let header: RecordedRun['header'] | undefined;
  let ended: RecordedRun['ended'];
  let base: number | undefined;
  let only: Set<number> | undefined;
  const warnings: string[] = [];
  const kept: RecordLine[] = [];
  for (let start = 0, n = 0; start < end; n++) {
    let stop = text.indexOf('\n', start);
    if (stop < 0 || stop > end) stop = end;
    const raw = text.slice(start, stop);
    const isLast = start === lastStart;
    start = stop + 1;
    if (!raw.trim()) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      if (!isLast) warnings.push(`${file}:${n + 1}: not JSON; line skipped`);
      continue;
    }
    const why = lineProblem(parsed);
    if (why) {
      warnings.push(`${file}:${n + 1}: ${why}; line skipped`);
      continue;
    }
    const line = parsed as RecordLine & { ms?: number };
    if (line.t === 'run' || line.t === 'resume') base = line.at;
    else if ('i' in line) {
      if (line.ms !== undefined) line.at = (base ?? 0) + line.ms;
      if (line.t !== 'deleted' && (line as { a?: number }).a === undefined) line.a = 1;
    }
    if (line.t !== 'run' && !header) {
      warnings.push(`${file}:${n + 1}: before the run header; line skipped`);
      continue;
    }
    if ('i' in line && only && !only.has(line.i)) {
      warnings.push(`${file}:${n + 1}: cell ${line.i} is not one of this run's cells; line skipped`);
      continue;
    }
    if (line.t === 'run') {
      if (header) warnings.push(`${file}:${n + 1}: a second run header; line skipped`);
      else {
        header = line;
        if (line.cellIndexes) only = new Set(line.cellIndexes);
        visit?.(line);
      }
      continue;
    }
    if (line.t === 'resume') ended = undefined;
    if (line.t === 'end') ended = line;
    if (visit) visit(line);
    else kept.push(line);
  }
  if (!header) throw new DamagedRecordError(`the run record ${file} has no valid run header (its first line is damaged)`);
  return { dir, header, ended, lines: kept, warnings };
}

/** Runs of a config, newest first (run ids sort by time). Every entry but the lock files counts. */
export function listRuns(root: string): string[] {
  try {
    return fs.readdirSync(root, { withFileTypes: true }).filter((d) => !d.name.startsWith('run.lock')).map((d) => path.join(root, d.name)).sort().reverse();
  } catch {
    return [];
  }
}

/**
 * The newest run that has a record. A newest run whose record is damaged (or that is not a folder) throws
 * DamagedRecordError: silently taking an older run would resume or rerun the wrong one.
 */
export function latestRun(root: string, visit?: (line: RecordLine) => void): RecordedRun | undefined {
  for (const dir of listRuns(root)) {
    let isDir = false;
    try {
      isDir = fs.statSync(dir).isDirectory();
    } catch {
      /* vanished */
    }
    if (!isDir) throw new DamagedRecordError(`${dir} should be a run folder but is not a folder; move it away to use the runs before it`);
    const r = readRecord(dir, visit);
    if (r) return r;
  }
  return undefined;
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
    ...extra,
    at: Date.now(),
  };
}
