/** One thing wrong (or worth a look) in a config file, located by character offsets into its text. */
export type Severity = 'error' | 'warning';

export type KeyPath = (string | number)[];

export type ProblemCode =
  | 'syntax'
  | 'missing-key'
  | 'unknown-key'
  | 'invalid-type'
  | 'invalid-enum'
  | 'out-of-range'
  | 'invalid-format'
  | 'empty'
  | 'mode'
  | 'date'
  | 'calendar'
  | 'file-not-found'
  | 'permissions'
  | 'unset-variable'
  | 'env-collision'
  | 'backend'
  | 'large-plan';

export interface Problem {
  severity: Severity;
  code: ProblemCode;
  message: string;
  /** Key path of what the problem is about, e.g. ['execution', 'num_partitions']. */
  path: KeyPath;
  /** Offsets into the config text: the underline. Always 0 <= start <= end <= text.length. */
  start: number;
  end: number;
  /** Extra facts for quick fixes: the missing key, the allowed values, a suggested replacement. */
  data?: { key?: string; allowed?: unknown[]; suggestion?: string };
}

export function formatPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out || '(root)';
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
