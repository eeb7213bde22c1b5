import * as path from 'node:path';

/** What a file-system error means, in words: "is not writable (EACCES)" rather than the system's message. */
export function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    EACCES: 'is not writable',
    EPERM: 'is not writable',
    EROFS: 'is on a read-only file system',
    ENOENT: 'does not exist',
    ENOTDIR: 'is not a folder (part of its path is a file)',
    ENOSPC: 'is on a full disk',
    EDQUOT: 'is over its disk quota',
    EFBIG: 'reached the file-size limit',
  };
  const w = err?.code ? words[err.code] : undefined;
  return w ? `${w} (${err.code})` : err instanceof Error ? err.message : String(e);
}

/** The nearest folder of `p` that exists (the one whose permissions decide whether `p` can be made). */
export function nearestExisting(p: string, exists: (p: string) => boolean): string {
  let d = path.resolve(p);
  while (!exists(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}
