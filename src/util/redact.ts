export const MASK = '******';

/**
 * Masks the free-text fields of a structured value (worker output, error messages, server replies), before it is
 * serialised: never the serialised text, where a secret such as "false" or "100" would rewrite JSON into garbage.
 * Returns the same object when nothing needed masking.
 */
export function maskFields<T extends object>(value: T, fields: readonly string[], secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  let out: T | undefined;
  for (const f of fields) {
    const v = (value as Record<string, unknown>)[f];
    if (typeof v !== 'string') continue;
    const masked = redact(v, secrets);
    if (masked !== v) (out ??= { ...value } as T)[f as keyof T] = masked as T[keyof T];
  }
  return out ?? value;
}

/** Replaces every secret value in a text with a mask. Longest first, so a secret containing another is masked whole. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s) out = out.split(s).join(MASK);
  }
  return out;
}
