import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandLine, lineProblem, RECORD_FILE, type RecordLine } from './format';
import { isOwner, type RunOwner } from './owner';

export interface RecordedRun {
  dir: string;
  header: Extract<RecordLine, { t: 'run' }>;
  ended?: Extract<RecordLine, { t: 'end' }>;
  /** The valid lines after the header, in order: replay them with `recordedState` (record/replay.ts). */
  lines: RecordLine[];
  /** Who runs (or ran) it: the owner of its last `run` or `resume` line, when the record says. */
  owner?: RunOwner;
  /** Lines that were skipped, each naming its line number and why. */
  warnings: string[];
}

/** The newest run's record exists but cannot be trusted: refused rather than silently replaced by an older run. */
export class DamagedRecordError extends Error {}

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
  const warnings: string[] = [];
  const lines = new LineDecoder(file, (w) => warnings.push(w));
  const kept: RecordLine[] = [];
  for (let start = 0, n = 0; start < end; n++) {
    let stop = text.indexOf('\n', start);
    if (stop < 0 || stop > end) stop = end;
    const raw = text.slice(start, stop);
    const isLast = start === lastStart;
    start = stop + 1;
    const line = lines.decode(raw, n + 1, isLast);
    if (!line) continue;
    if (visit) visit(line);
    else if (line.t !== 'run') kept.push(line);
  }
  if (!lines.header) throw new DamagedRecordError(`the run record ${file} has no valid run header (its first line is damaged)`);
  return { dir, header: lines.header, ended: lines.ended, lines: kept, warnings, ...(lines.owner ? { owner: lines.owner } : {}) };
}

/**
 * Turns a record's raw lines, in order, into record lines: parsed, checked (`lineProblem`), filled in
 * (`expandLine`), and kept to the run's header and cells. What it learns on the way (the header, the owner, the end
 * line) it keeps. Shared by `readRecord` (a whole record) and `RecordFollower` (a record as it grows).
 */
export class LineDecoder {
  header: RecordedRun['header'] | undefined;
  ended: RecordedRun['ended'];
  owner: RunOwner | undefined;
  private base: number | undefined;
  private only: Set<number> | undefined;

  constructor(private readonly file: string, private readonly warn: (message: string) => void) {}

  /** Line `n` (1-based) as a record line, or undefined when it is skipped (with a warning, unless it is a torn last line). */
  decode(raw: string, n: number, isLast = false): RecordLine | undefined {
    if (!raw.trim()) return undefined;
    const file = this.file;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      if (!isLast) this.warn(`${file}:${n}: not JSON; line skipped`);
      return undefined;
    }
    const why = lineProblem(parsed);
    if (why) return void this.warn(`${file}:${n}: ${why}; line skipped`);
    const line = parsed as RecordLine & { ms?: number };
    if (line.t === 'run' || line.t === 'resume') this.base = line.at;
    else expandLine(line, this.base);
    if (line.t !== 'run' && !this.header) return void this.warn(`${file}:${n}: before the run header; line skipped`);
    if ('i' in line && this.only && !this.only.has(line.i)) return void this.warn(`${file}:${n}: cell ${line.i} is not one of this run's cells; line skipped`);
    if (line.t === 'run') {
      if (this.header) return void this.warn(`${file}:${n}: a second run header; line skipped`);
      this.header = line;
      this.owner = isOwner(line.owner) ? line.owner : undefined;
      if (line.cellIndexes) this.only = new Set(line.cellIndexes);
      return line;
    }
    if (line.t === 'resume') {
      this.ended = undefined;
      this.owner = isOwner(line.owner) ? line.owner : undefined;
    }
    if (line.t === 'end') this.ended = line;
    return line;
  }
}
