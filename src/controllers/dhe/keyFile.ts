import * as fs from 'node:fs';

export interface KeyFile {
  user: string;
  operateAs: string;
  publicKey: string;
  privateKey: string;
}

/**
 * Reads a key file from generate-iris-keys (`priv-<name>.base64.txt`): lines `user`, `operateas`, `public`,
 * `private`, each key base64 of `EC:` followed by DER. Returns the keys without the sentinel. Errors never include
 * key material.
 */
export function readKeyFile(file: string): KeyFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read private key file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // As the official client reads it: `#` starts a comment, fields are split on any whitespace, a line is a keyword
  // and its value, and tokens after the value are ignored.
  const fields = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const tokens = raw.replace(/#.*$/, '').trim().split(/\s+/).filter(Boolean);
    if (tokens.length >= 2 && !fields.has(tokens[0].toLowerCase())) fields.set(tokens[0].toLowerCase(), tokens[1]);
  }
  const missing = ['user', 'public', 'private'].filter((k) => !fields.has(k));
  if (missing.length) throw new Error(`private key file ${file} lacks the line${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (expected user, operateas, public, private)`);
  const strip = (which: 'public' | 'private'): string => {
    const bytes = Buffer.from(fields.get(which)!, 'base64');
    if (bytes.subarray(0, 3).toString('latin1') !== 'EC:') {
      throw new Error(`private key file ${file} holds a legacy (DSA) key; only EC keys are supported. Generate an EC key pair with generate-iris-keys and register its public key.`);
    }
    return bytes.subarray(3).toString('base64');
  };
  return { user: fields.get('user')!, operateAs: fields.get('operateas') ?? fields.get('user')!, publicKey: strip('public'), privateKey: strip('private') };
}
