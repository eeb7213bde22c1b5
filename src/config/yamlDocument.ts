import { Document, isMap, isPair, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';
import type { KeyPath, Problem } from './problem';

export type ParsedYaml = { doc: Document.Parsed; text: string; syntax: Problem[] };

/** Parses YAML text keeping offsets. Duplicate keys, tabs and bad indentation become problems; never throws. */
export function parseYaml(text: string): ParsedYaml {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true, logLevel: 'silent' });
  const syntax: Problem[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const [start, end] = clampRange(text, e.pos?.[0] ?? 0, e.pos?.[1] ?? 0);
    syntax.push({
      severity: doc.errors.includes(e) ? 'error' : 'warning',
      code: 'syntax',
      message: syntaxMessage(e.code, e.message),
      path: [],
      start,
      end: Math.max(end, Math.min(text.length, start + 1)),
    });
  }
  collectionKeys(doc.contents, text, syntax);
  return { doc, text, syntax };
}

/** `{a: 1}: x` or `? [a]` keys parse, but no config key can be a collection. */
function collectionKeys(node: unknown, text: string, out: Problem[]): void {
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue;
      if (item.key && !isScalar(item.key)) {
        const r = (item.key as Node).range;
        const [start, end] = clampRange(text, r?.[0] ?? 0, r?.[1] ?? 0);
        out.push({ severity: 'error', code: 'syntax', message: 'a key must be plain text, not a list or mapping', path: [], start, end });
      }
      collectionKeys(item.value, text, out);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) collectionKeys(item, text, out);
  }
}

function syntaxMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '').trim();
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'duplicate key: each key may appear once in a mapping';
    case 'TAB_AS_INDENT':
      return 'tab used for indentation: YAML indents with spaces';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return `YAML syntax: ${first}`;
    default:
      return `YAML: ${first}`;
  }
}

export function clampRange(text: string, start: number, end: number): [number, number] {
  const s = Math.max(0, Math.min(text.length, Number.isFinite(start) ? start : 0));
  const e = Math.max(s, Math.min(text.length, Number.isFinite(end) ? end : s));
  return [s, e];
}

/** The pair holding `key` in a map node, if any. */
export function findPair(node: unknown, key: string | number): Pair<Node, Node | null> | undefined {
  if (!isMap(node)) return undefined;
  for (const item of node.items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === String(key)) return item as Pair<Node, Node | null>;
  }
  return undefined;
}

export type Target = 'key' | 'value';

/**
 * Where to underline something about `path`: its key or its value. When the path no longer resolves (mid-edit),
 * falls back to the nearest existing parent's key, so no problem is ever dropped.
 */
export function locate(parsed: ParsedYaml, path: KeyPath, target: Target): [number, number] {
  const { doc, text } = parsed;
  let node: unknown = doc.contents;
  let lastKeyRange: [number, number] | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = findPair(node, seg);
      if (!pair) return lastKeyRange ?? rootRange(parsed);
      const keyRange = rangeOf(pair.key as Node) ?? lastKeyRange;
      if (i === path.length - 1) {
        if (target === 'key') return clampRange(text, ...(keyRange ?? rootRange(parsed)));
        const valueRange = pair.value ? rangeOf(pair.value as Node) : undefined;
        if (valueRange && valueRange[1] > valueRange[0]) return clampRange(text, ...valueRange);
        return clampRange(text, ...(keyRange ?? rootRange(parsed)));
      }
      lastKeyRange = keyRange;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      const item = node.items[seg] as Node;
      const r = rangeOf(item);
      if (i === path.length - 1) return clampRange(text, ...(r ?? lastKeyRange ?? rootRange(parsed)));
      // A sequence item has no key: underline the item's first line when a child is missing.
      if (r) lastKeyRange = [r[0], Math.min(r[1], lineEnd(text, r[0]))];
      node = item;
    } else {
      return lastKeyRange ?? rootRange(parsed);
    }
  }
  // Empty path: the whole document, shown as its first line.
  return rootRange(parsed);
}

function rangeOf(node: Node | null | undefined): [number, number] | undefined {
  const r = node?.range;
  return r ? [r[0], r[1]] : undefined;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl === -1 ? text.length : nl;
}

/** A problem about the whole file: the first key if there is one, else the first character. */
function rootRange(parsed: ParsedYaml): [number, number] {
  const { doc, text } = parsed;
  if (isMap(doc.contents) && doc.contents.items.length > 0) {
    const r = rangeOf(doc.contents.items[0].key as Node);
    if (r) return clampRange(text, r[0], r[1]);
  }
  const firstContent = text.search(/\S/);
  if (firstContent === -1) return [0, 0];
  return clampRange(text, firstContent, lineEnd(text, firstContent));
}

/** Visits every scalar string value with its path, for `${VAR}` checks. */
export function forEachStringScalar(parsed: ParsedYaml, fn: (path: KeyPath, value: string, start: number, end: number) => void): void {
  const visit = (node: unknown, path: KeyPath): void => {
    if (isMap(node)) {
      for (const item of node.items) {
        if (isPair(item) && isScalar(item.key)) visit(item.value, [...path, String(item.key.value)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.range) {
      fn(path, node.value, node.range[0], node.range[1]);
    }
  };
  visit(parsed.doc.contents, []);
}
