import * as path from 'node:path';

/**
 * Who made a query: every query we create carries it (as environment variables of the query), so a later run knows a
 * query as its own by identity, never because its name matches. `config`: the config's name and resolved path;
 * `run`: the run id; `fingerprint`: the plan hash (the worker script's text and every setting that decides a query).
 */
export interface QueryMark {
  config: string;
  run: string;
  fingerprint: string;
}

/** The variables that carry the mark, named so people reading a query on the server can tell what they are. */
export const MARK_VARS: Readonly<Record<keyof QueryMark, string>> = { config: 'PQO_CONFIG', run: 'PQO_RUN', fingerprint: 'PQO_FINGERPRINT' };

/** A config's identity: its name and the resolved path of its file (two configs may share a name, never a path). */
export function configIdentity(name: string, file: string): string {
  return `${name}@${path.resolve(file)}`;
}

export function markVars(m: QueryMark): Record<string, string> {
  return { [MARK_VARS.config]: m.config, [MARK_VARS.run]: m.run, [MARK_VARS.fingerprint]: m.fingerprint };
}

/** The mark read back from a query's variables; undefined when it has none (not made by us, or by a version before marks). */
export function markFrom(vars: ReadonlyMap<string, string>): QueryMark | undefined {
  const config = vars.get(MARK_VARS.config);
  const run = vars.get(MARK_VARS.run);
  const fingerprint = vars.get(MARK_VARS.fingerprint);
  return config && run && fingerprint ? { config, run, fingerprint } : undefined;
}

/** Whose a query is, seen from a run. */
export type Ownership = 'this-run' | 'earlier-run' | 'stranger';

/**
 * `this-run`: made by this run (or, resuming, by the interrupted run this one continues) for what the cell runs now.
 * `earlier-run`: made by another run of this config, or for another script or settings: never adopted, replaced.
 * `stranger`: made by another config, by hand, or without a mark: never touched.
 */
export function ownership(found: QueryMark | undefined, mine: QueryMark): Ownership {
  if (!found || found.config !== mine.config) return 'stranger';
  return found.run === mine.run && found.fingerprint === mine.fingerprint ? 'this-run' : 'earlier-run';
}

/** Who made a query, in words for a message. */
export function makerOf(found: QueryMark | undefined, owner?: string): string {
  if (!found) return `not PQ Orchestrator (no ${MARK_VARS.run} mark${owner ? `; owner ${owner}` : ''})`;
  return `config ${found.config}, run ${found.run}`;
}
