import * as path from 'node:path';

/** A path as people read it: relative to `base` (the CLI's working folder, the editor's workspace) when inside it. */
export function displayPath(file: string, base: string | undefined): string {
  if (!base) return file;
  const rel = path.relative(base, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
