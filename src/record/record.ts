import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CellOutcome, FailureKind, RunSummary } from '../runModel/events';
import type { Mode } from '../config/types';
import { queryName, type Plan } from '../plan/plan';

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
  | { t: 'run'; runId: string; planHash: string; config: string; name: string; mode: string; backend: string; cells: number; cellIndexes?: number[]; rerunOf?: string; layout?: RecordLayout; at: number }
  | { t: 'resume'; at: number }
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

export { newRunId, runsRoot } from './runIds';

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
    layout: { dates: [...plan.dates], partitions: plan.numPartitions },
    ...extra,
    at: Date.now(),
  };
}
