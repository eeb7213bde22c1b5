import * as path from 'node:path';
import { formatPath, type Problem } from '../config/problem';
import { LineIndex } from '../util/lineIndex';

export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export interface LocatedProblem {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  severity: Problem['severity'];
  code: Problem['code'];
  message: string;
  path: string;
}

export function locateProblems(file: string, text: string, problems: readonly Problem[]): LocatedProblem[] {
  const index = new LineIndex(text);
  return problems.map((p) => {
    const s = index.position(p.start);
    const e = index.position(p.end);
    return { file: displayPath(file), line: s.line, col: s.col, endLine: e.line, endCol: e.col, severity: p.severity, code: p.code, message: p.message, path: formatPath(p.path) };
  });
}

/** `file:line:col  error|warning  message  (key.path)` */
export function formatProblemLine(p: LocatedProblem): string {
  return `${p.file}:${p.line}:${p.col}  ${p.severity}  ${p.message}  (${p.path})`;
}
