import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** An EC key pair in generate-iris-keys' file format; returns the file and the public key (SPKI, base64). */
export function writeKeyFile(dir: string, user: string, operateAs = user): { file: string; publicKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1', publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } });
  const sentinel = (b: Buffer) => Buffer.concat([Buffer.from('EC:'), b]).toString('base64');
  const file = path.join(dir, `priv-${user}.base64.txt`);
  fs.writeFileSync(file, `user ${user}\noperateas ${operateAs}\npublic ${sentinel(publicKey)}\nprivate ${sentinel(privateKey)}\n`, { mode: 0o600 });
  return { file, publicKey: publicKey.toString('base64') };
}
