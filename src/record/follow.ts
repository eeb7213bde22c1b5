import * as fs from 'node:fs';
import { LineDecoder } from './reader';
import type { RecordLine } from './format';

export interface FollowSink {
  /** Each valid line in order, the header first, as `readRecord` would give it. */
  line(line: RecordLine): void;
  /** A line skipped (`fatal` false), or the record deleted, truncated or replaced (`fatal`: following has stopped). */
  problem(message: string, fatal: boolean): void;
}

export interface FollowOptions {
  /** How often to look when the file system cannot notify (a network file system): stated to the user. */
  pollMs?: number;
  /** The notifier (tests pass one that throws, as on a file system without notifications). */
  watch?: (file: string, listener: () => void) => { close(): void };
}

const CHUNK = 1 << 16;

/**
 * Follows a run's record as its owner appends to it: reads only what is new (from where it stopped), never the
 * whole file again; a line without its newline yet (torn, or half written) waits for the rest. Woken by the file
 * system's notifications, or, where it has none, by a stat every `pollMs`. A record that is deleted, cut shorter or
 * replaced by another file is reported once, and following stops (what was read stays).
 */
export class RecordFollower {
  private fd: number | undefined;
  private ino = 0;
  private offset = 0;
  private pending: Buffer[] = [];
  private lineNo = 0;
  private readonly decoder: LineDecoder;
  private stopper: (() => void) | undefined;
  private readonly pollMs: number;
  /** How it learns of new lines: notifications, polling, or not at all (stopped). */
  mode: 'watch' | 'poll' | 'stopped' = 'stopped';
  /** Bytes read so far (each once). */
  bytesRead = 0;

  constructor(readonly file: string, private readonly sink: FollowSink, private readonly options: FollowOptions = {}) {
    this.decoder = new LineDecoder(file, (m) => sink.problem(m, false));
    this.pollMs = options.pollMs ?? 1000;
  }

  /** The run header, once read. */
  get header(): LineDecoder['header'] {
    return this.decoder.header;
  }

  get owner(): LineDecoder['owner'] {
    return this.decoder.owner;
  }

  get ended(): LineDecoder['ended'] {
    return this.decoder.ended;
  }

  /** Reads what the record holds now, then follows it. Throws when the record cannot be opened. */
  start(): void {
    this.fd = fs.openSync(this.file, 'r');
    this.ino = fs.fstatSync(this.fd).ino;
    this.mode = 'watch';
    this.read();
    if (this.fd === undefined) return; // the first read found it gone
    try {
      const watcher = (this.options.watch ?? ((f, l) => fs.watch(f, { persistent: false }, l)))(this.file, () => this.read());
      this.stopper = () => watcher.close();
    } catch {
      this.mode = 'poll';
      const timer = setInterval(() => this.read(), this.pollMs);
      timer.unref();
      this.stopper = () => clearInterval(timer);
    }
  }

  /** The polling interval when `mode` is 'poll'. */
  get interval(): number {
    return this.pollMs;
  }

  /** Reads the lines appended since the last read (safe to call at any time: a no-op when nothing changed). */
  read(): void {
    if (this.fd === undefined) return;
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch {
      return this.fail('was deleted');
    }
    if (st.ino !== this.ino) return this.fail('was replaced by another file');
    if (st.size < this.offset) return this.fail(`was cut short (from ${this.offset} to ${st.size} bytes)`);
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, st.size - this.offset)));
    while (this.offset < st.size && this.fd !== undefined) {
      const n = fs.readSync(this.fd, buf, 0, Math.min(buf.length, st.size - this.offset), this.offset);
      if (n <= 0) break;
      this.offset += n;
      this.bytesRead += n;
      this.take(buf.subarray(0, n));
    }
  }

  private take(chunk: Buffer): void {
    let from = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
      const piece = chunk.subarray(from, nl);
      const raw = this.pending.length ? Buffer.concat([...this.pending, piece]).toString('utf8') : piece.toString('utf8');
      this.pending = [];
      from = nl + 1;
      const line = this.decoder.decode(raw, ++this.lineNo);
      if (line) this.sink.line(line);
      if (this.fd === undefined) return;
    }
    // The rest has no newline yet: kept (copied: the buffer is reused) until it does.
    if (from < chunk.length) this.pending.push(Buffer.from(chunk.subarray(from)));
  }

  private fail(what: string): void {
    this.stop();
    this.sink.problem(`the run record ${this.file} ${what} while it was followed; what was read so far is kept`, true);
  }

  stop(): void {
    this.stopper?.();
    this.stopper = undefined;
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.mode = 'stopped';
  }
}

/**
 * Whether a record's last whole line is its `end` line (read from the file's tail, not the whole file): a run that
 * has not ended is either still running or was interrupted. A record that cannot be read counts as ended (nothing to follow).
 */
export function recordEnded(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const n = Math.min(size, 8192); // an end line is well under this
    const buf = Buffer.alloc(n);
    fs.readSync(fd, buf, 0, n, size - n);
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end < 0) return false;
    const last = text.slice(text.lastIndexOf('\n', end - 1) + 1, end);
    return /^\{"t":"end"/.test(last);
  } catch {
    return true;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
