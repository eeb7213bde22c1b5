import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent } from '../runModel/events';
import { maskFields } from '../util/redact';

const RECORD_FREE_TEXT = ['d', 'e', 'why'] as const;
import { RECORD_FILE, type RecordLine } from './record';

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
    // The engine masks free text as it enters; the record masks its own free-text fields again (lines can come from
    // elsewhere), field by field, never the serialised line.
    const masked = 'i' in line ? maskFields(line, RECORD_FREE_TEXT, this.secrets) : line;
    this.buffer.push(JSON.stringify('i' in masked ? this.lean(masked) : masked));
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

