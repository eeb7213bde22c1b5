import type { KeyPath, Problem, ProblemCode, Severity } from './problem';
import { locate, type ParsedYaml } from './yamlDocument';

/** Where problems are collected while a config is analysed; each is placed at a key or a value of the document. */
export class ProblemCollector {
  constructor(
    readonly parsed: ParsedYaml,
    readonly problems: Problem[],
  ) {}

  /** A problem at `path`, placed `on` its key or its value. `anchor`: underline this path instead (a missing key is shown on its parent's key). */
  add(p: { severity: Severity; code: ProblemCode; path: KeyPath; on: 'key' | 'value'; message: string; data?: Problem['data']; anchor?: KeyPath }): void {
    const { severity, code, path, message, data } = p;
    const [start, end] = locate(this.parsed, p.anchor ?? path, p.on);
    this.problems.push({ severity, code, message, path, start, end, ...(data ? { data } : {}) });
  }

  addAt(severity: Severity, code: ProblemCode, path: KeyPath, start: number, end: number, message: string): void {
    this.problems.push({ severity, code, message, path, start, end });
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as a message quotes it, cut to 60 characters. */
export function show(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  const s = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
