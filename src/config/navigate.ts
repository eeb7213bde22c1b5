import type { KeyPath } from './problem';

/**
 * Where the cursor is in a config, by indentation alone, so it works mid-edit when the YAML does not parse:
 * the key path of the key or value under the cursor, or the parent path where a new key is being typed.
 */
interface Line {
  indent: number;
  /** Width of a leading `- ` (list item), 0 if none. */
  dash: number;
  key?: string;
  keyStart: number;
  keyEnd: number;
  /** Column just after the colon, or -1. */
  colon: number;
  blank: boolean;
}

const LINE = /^( *)(- +)?(?:(["']?)([A-Za-z_][\w-]*)\3[ \t]*:(?=\s|$))?/;

function parseLine(text: string): Line {
  const m = LINE.exec(text)!;
  const indent = m[1].length;
  const dash = m[2]?.length ?? 0;
  const blank = /^\s*(#.*)?$/.test(text);
  if (!m[4]) return { indent, dash, keyStart: -1, keyEnd: -1, colon: -1, blank };
  const keyStart = indent + dash + (m[3] ? 1 : 0);
  return { indent, dash, key: m[4], keyStart, keyEnd: keyStart + m[4].length, colon: m[0].length, blank };
}

function lineAt(text: string, offset: number): { index: number; start: number; lines: string[] } {
  const lines = text.split('\n');
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    if (offset <= start + lines[i].length) return { index: i, start, lines };
    start += lines[i].length + 1;
  }
  return { index: lines.length - 1, start: start - lines[lines.length - 1].length - 1, lines };
}

/** Ancestors of a key written at `keyIndent` on line `index` (a `- ` item start on that line when `dash`). */
function ancestors(lines: string[], index: number, keyIndent: number, itemIndent: number | undefined): KeyPath {
  const path: KeyPath = [];
  let limit = keyIndent;
  if (itemIndent !== undefined) {
    path.unshift(0);
    limit = itemIndent;
  }
  for (let i = index - 1; i >= 0 && limit > 0; i--) {
    const l = parseLine(lines[i]);
    if (l.blank) continue;
    const k = l.indent + l.dash;
    if (l.dash && k === limit) {
      // The start of the list item this key belongs to.
      path.unshift(0);
      limit = l.indent;
      continue;
    }
    if (k < limit && l.key) {
      path.unshift(l.key);
      if (l.dash) path.unshift(0);
      limit = l.indent;
    } else if (k < limit) {
      limit = l.indent;
    }
  }
  return path;
}

export type CursorContext =
  | { kind: 'key'; path: KeyPath; keyStart: number; keyEnd: number }
  | { kind: 'value'; path: KeyPath; valueStart: number }
  | { kind: 'new-key'; parent: KeyPath; indent: number; replaceStart: number }
  | { kind: 'none' };

export function contextAt(text: string, offset: number): CursorContext {
  const { index, start, lines } = lineAt(text, offset);
  const lineText = lines[index];
  const col = offset - start;
  const l = parseLine(lineText);
  if (l.key) {
    const itemIndent = l.dash ? l.indent : undefined;
    const path = [...ancestors(lines, index, l.indent + l.dash, itemIndent), l.key];
    if (col >= l.keyStart && col <= l.keyEnd) return { kind: 'key', path, keyStart: start + l.keyStart, keyEnd: start + l.keyEnd };
    if (col >= l.colon) return { kind: 'value', path, valueStart: start + l.colon };
    return { kind: 'none' };
  }
  // Typing a new key: only a word (or nothing) before the cursor on this line.
  const before = lineText.slice(0, col);
  const m = /^( *)(- +)?([A-Za-z_][\w-]*)?$/.exec(before);
  if (!m) return { kind: 'none' };
  const indent = m[1].length + (m[2]?.length ?? 0);
  const parent = ancestors(lines, index, indent, m[2] ? m[1].length : undefined);
  return { kind: 'new-key', parent, indent, replaceStart: start + indent };
}

/** The line range of a key and its whole block (nested lines below it), for removing a pair. */
export function pairBlock(text: string, keyOffset: number): { start: number; end: number } {
  const { index, start, lines } = lineAt(text, keyOffset);
  const own = parseLine(lines[index]);
  const keyIndent = own.indent + own.dash;
  let end = start + lines[index].length + 1;
  let blanks = 0;
  for (let i = index + 1; i < lines.length; i++) {
    const l = parseLine(lines[i]);
    if (l.blank) {
      blanks += lines[i].length + 1;
      continue;
    }
    // Nested deeper, or a list written at the key's own indentation (`key:` then `- item`).
    if (!(l.indent > keyIndent || (l.dash > 0 && l.indent === keyIndent && !own.dash))) break;
    end += blanks + lines[i].length + 1;
    blanks = 0;
  }
  // A key that starts a list item (`- key:`) keeps the dash; remove from the key on.
  const from = own.dash ? start + own.indent + own.dash : start;
  return { start: from, end: Math.min(end, text.length) };
}

/** Indentation of the line holding an offset. */
export function indentAt(text: string, offset: number): number {
  const { index, lines } = lineAt(text, offset);
  const l = parseLine(lines[index]);
  return l.indent + l.dash;
}

/** The offset just past the end of the line holding `offset` (after its newline, or the text's end). */
export function endOfLine(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}
