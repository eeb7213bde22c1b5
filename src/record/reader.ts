import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandLine, lineProblem, RECORD_FILE, type RecordLine } from './format';

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
    else expandLine(line, base);
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

