import { isSecretName } from './types';
import { findRefs } from './variables';

/** A `${VAR}` reference in the deephaven section: the key holding it and the variable it names. */
export interface CredentialRef {
  field: string;
  variable: string;
  secret: boolean;
}

/**
 * Every `${VAR}` reference of a config's deephaven section (as written), connection_url and username first: a face
 * asks for those the environment does not set, the server and user first, since the others are kept per both.
 */
export function credentialRefs(deephaven: Record<string, unknown> | undefined): CredentialRef[] {
  if (!deephaven) return [];
  const fields = Object.keys(deephaven).sort((a, b) => rank(a) - rank(b));
  const out: CredentialRef[] = [];
  const seen = new Set<string>();
  for (const field of fields) {
    const value = deephaven[field];
    if (typeof value !== 'string') continue;
    for (const r of findRefs(value).refs) {
      if (seen.has(r.name)) continue;
      seen.add(r.name);
      out.push({ field, variable: r.name, secret: isSecretName(r.name) });
    }
  }
  return out;
}

function rank(field: string): number {
  return field === 'connection_url' ? 0 : field === 'username' ? 1 : 2;
}

/** A value with its `${VAR}` references replaced (unset ones by nothing). */
export function expandRefs(value: unknown, lookup: (name: string) => string | undefined): string {
  return typeof value === 'string' ? value.replace(/\$\{(\w+)\}/g, (_, n: string) => lookup(n) ?? '') : '';
}

/** A URL is not a secret: shown as typed, with an example, and checked before it is kept. */
export function urlProblem(v: string): string | undefined {
  if (!v) return 'a value is required';
  try {
    const u = new URL(v);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'the connection URL starts with https:// (or http://)';
    return undefined;
  } catch {
    return 'not a URL: for example https://dh.example.com:8000/iris/connection.json';
  }
}
