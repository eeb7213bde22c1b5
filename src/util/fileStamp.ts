import type * as fs from 'node:fs';

/** What tells that a file changed without reading it: its size, modification time and inode (a replaced file too). */
export function fileStamp(st: fs.Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}
