export const MASK = '******';

/** Replaces every secret value in a text with a mask. Longest first, so a secret containing another is masked whole. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s) out = out.split(s).join(MASK);
  }
  return out;
}
