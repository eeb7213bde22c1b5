/** `${VAR}` references inside string values. */
export interface VarRef {
  name: string;
  /** Offsets of `${NAME}` inside the string. */
  index: number;
  length: number;
}

const REF = /\$\{([^}]*)\}/g;
const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function findRefs(value: string): { refs: VarRef[]; malformed: VarRef[] } {
  const refs: VarRef[] = [];
  const malformed: VarRef[] = [];
  for (const m of value.matchAll(REF)) {
    const ref = { name: m[1], index: m.index ?? 0, length: m[0].length };
    (VALID_NAME.test(m[1]) ? refs : malformed).push(ref);
  }
  return { refs, malformed };
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Replaces every `${NAME}` with its value; unset names are left as they are (validation reports them). */
export function expand(value: string, env: Env): string {
  return value.replace(REF, (whole, name: string) => (VALID_NAME.test(name) && env[name] !== undefined ? (env[name] as string) : whole));
}
