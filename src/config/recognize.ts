import { levenshtein } from '../util/levenshtein';

/** The top-level sections that say "this is an orchestration config" (beside `name`). */
const SECTIONS = ['execution', 'replay', 'batch', 'dates', 'deephaven', 'local'] as const;

function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  for (const m of text.matchAll(/^([A-Za-z_][\w-]*)[ \t]*:/gm)) keys.push(m[1]);
  return keys;
}

/**
 * A key a typo away from a section name (`executon:`), never a section itself: one edit for the short names (so
 * `pages:` is not `dates:`), two for the long ones.
 */
function nearMiss(key: string): string | undefined {
  if (key.length < 4) return undefined;
  const k = key.toLowerCase();
  return SECTIONS.find((s) => s !== k && levenshtein(k, s) <= (s.length <= 5 ? 1 : 2));
}

/**
 * Whether a YAML text is an orchestration config to validate: an `execution:` section with a `replay:`, `batch:` or
 * `dates:` one, or a `name:` with any of our sections, or with a near miss of one. A typo in a section name must not
 * turn every check of the file off (the validator then says "did you mean `execution`?"); a config.yaml of another
 * tool (say a `server:` section) is left alone.
 */
export function looksLikeConfig(text: string): boolean {
  const keys = new Set(topLevelKeys(text));
  if (keys.has('execution') && (keys.has('replay') || keys.has('batch') || keys.has('dates'))) return true;
  if (!keys.has('name')) return false;
  for (const k of keys) if ((SECTIONS as readonly string[]).includes(k) || nearMiss(k)) return true;
  return false;
}
