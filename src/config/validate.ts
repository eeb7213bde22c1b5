import { isMap } from 'yaml';
import { buildConfig } from './build';
import { ProblemCollector, isObject } from './problemCollector';
import { MAX_EXPANDED_VALUES } from './limits';
import { hasErrors, type Problem } from './problem';
import { semanticProblems } from './rules';
import { schemaProblems } from './schemaProblems';
import type { AnalyzeOptions } from './analyzeOptions';
import type { BackendName, Config } from './types';
import { expandedSize, parseYaml, type ParsedYaml } from './yamlDocument';

export type { AnalyzeOptions } from './analyzeOptions';

export interface ConfigAnalysis {
  problems: Problem[];
  /** Present only when there is no error. */
  config?: Config;
  parsed: ParsedYaml;
  /** The plain data of the document (may be anything, even when invalid). */
  data: unknown;
  backend: BackendName;
}

export { LARGE_PLAN_CELLS, MAX_EXPANDED_VALUES, MAX_PLAN_CELLS } from './limits';

/** Parses and validates config text. Never throws: every failure is a problem with a range inside the text. */
export function analyzeConfig(text: string, options: AnalyzeOptions): ConfigAnalysis {
  const parsed = parseYaml(text);
  let data: unknown = null;
  const problems: Problem[] = [...parsed.syntax];
  const bomb = expandedSize(parsed.doc, MAX_EXPANDED_VALUES) > MAX_EXPANDED_VALUES;
  if (bomb) {
    problems.push({ severity: 'error', code: 'syntax', message: `YAML aliases expand this file to more than ${MAX_EXPANDED_VALUES.toLocaleString('en-US')} values (an alias that names itself, or aliases nested into a "billion laughs"); no config needs that`, path: [], start: 0, end: Math.min(1, text.length) });
  } else {
    try {
      // Aliases are bounded by their expanded size above, not by how often one is used.
      data = parsed.doc.toJS({ maxAliasCount: -1 });
    } catch (e) {
      problems.push({ severity: 'error', code: 'syntax', message: `YAML: ${(e as Error).message}`, path: [], start: 0, end: Math.min(1, text.length) });
    }
  }
  const raw = isObject(data) ? data : {};
  const backend: BackendName = options.backend ?? (raw.backend === 'local' || raw.backend === 'dhe' ? raw.backend : raw.deephaven !== undefined ? 'dhe' : 'local');
  const ctx = new ProblemCollector(parsed, problems);
  let schemaOk = false;
  if (!bomb && (!hasErrors(parsed.syntax) || isMap(parsed.doc.contents))) {
    schemaOk = schemaProblems(ctx, data);
    semanticProblems(ctx, raw, backend, options);
  }
  problems.sort((a, b) => a.start - b.start || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  dedupe(problems);
  foldTypos(problems);
  // Only data the schema accepted becomes a Config, whatever else was reported.
  const config = schemaOk && !hasErrors(problems) ? buildConfig(raw, backend, options) : undefined;
  return { problems, config, parsed, data, backend };
}

/**
 * A misspelt key (`executon:`) also makes the key it meant missing: the typo is the problem to show, with its
 * suggestion, so the "missing" one it explains is folded into it (fixing the typo fixes both).
 */
function foldTypos(problems: Problem[]): void {
  const meant = new Set(problems.filter((p) => p.code === 'unknown-key' && p.data?.suggestion).map((p) => [...p.path.slice(0, -1), p.data!.suggestion].join('\u0000')));
  if (meant.size === 0) return;
  const kept = problems.filter((p) => !(p.code === 'missing-key' && meant.has(p.path.join('\u0000'))));
  problems.splice(0, problems.length, ...kept);
}

/**
 * One problem per place and kind: the first of each (problems are sorted errors first). An empty string breaks both
 * minLength and pattern: one message for it. Missing keys share their parent's place: each missing key is its own.
 */
function dedupe(problems: Problem[]): void {
  const seen = new Set<string>();
  const kept = problems.filter((p) => {
    const k = `${p.start}:${p.end}:${p.code}:${p.code === 'missing-key' ? String(p.data?.key ?? p.message) : ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  problems.splice(0, problems.length, ...kept);
}
