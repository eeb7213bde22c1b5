import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent } from '../runModel/events';
import { maskFields } from '../util/redact';
import { encodeEvent, LeanEncoder, RECORD_FILE, type RecordLine } from './format';

const RECORD_FREE_TEXT = ['d', 'e', 'why'] as const;

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
  private readonly lean = new LeanEncoder();
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
    if (line.t === 'run' || line.t === 'resume') this.lean.base = line.at;
    // The engine masks free text as it enters; the record masks its own free-text fields again (lines can come from
    // elsewhere), field by field, never the serialised line.
    const masked = 'i' in line ? maskFields(line, RECORD_FREE_TEXT, this.secrets) : line;
    this.buffer.push(JSON.stringify('i' in masked ? this.lean.encode(masked) : masked));
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

  /** Records an engine event (those the record keeps). */
  onEvent(e: RunEvent): void {
    const line = encodeEvent(e);
    if (line) this.append(line);
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

