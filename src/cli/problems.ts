import { formatPath, type Problem } from '../config/problem';
import { LineIndex } from '../util/lineIndex';
import { displayPath as showPath } from '../util/displayPath';

/** A path relative to the working folder when inside it: the CLI's view of files. */
function displayPath(file: string): string {
  return showPath(file, process.cwd());
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

/** `file:line:col  error|warning  message  (key.path)`, control characters shown as escapes, never raw. */
export function formatProblemLine(p: LocatedProblem): string {
  return printable(`${p.file}:${p.line}:${p.col}  ${p.severity}  ${p.message}  (${p.path})`);
}

/** At most this many problems are printed; the rest are counted (a binary file gives thousands). */
export const MAX_PRINTED_PROBLEMS = 50;

export function formatProblemLines(problems: readonly LocatedProblem[]): string[] {
  const lines = problems.slice(0, MAX_PRINTED_PROBLEMS).map(formatProblemLine);
  if (problems.length > MAX_PRINTED_PROBLEMS) lines.push(`... and ${problems.length - MAX_PRINTED_PROBLEMS} more problems`);
  return lines;
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
