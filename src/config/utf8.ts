/** Where bytes that are not UTF-8 start: byte offsets of each invalid sequence (consecutive bad bytes count once). */
export function invalidUtf8Offsets(buf: Uint8Array, limit = 50): number[] {
  const out: number[] = [];
  let i = 0;
  let lastBad = -2;
  while (i < buf.length && out.length < limit) {
    const b = buf[i];
    let need = 0;
    let min = 0;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else need = -1;
    let ok = need > 0 && i + need < buf.length;
    let cp = need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07;
    for (let k = 1; ok && k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      i += need + 1;
      continue;
    }
    if (lastBad !== i - 1) out.push(i);
    lastBad = i;
    i++;
  }
  return out;
}
