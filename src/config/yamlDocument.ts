import { Document, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';
import { formatPath, type KeyPath, type Problem } from './problem';
import { LineIndex } from '../util/lineIndex';

export type ParsedYaml = { doc: Document.Parsed; text: string; syntax: Problem[] };

/** Parses YAML text keeping offsets. Duplicate keys, tabs and bad indentation become problems; never throws. */
export function parseYaml(text: string): ParsedYaml {
  // The library's own duplicate-key check compares each key with every earlier one of its map (quadratic: 20,000
  // env keys took seconds); keyProblems below does it in one pass with a set per map.
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, strict: true, logLevel: 'silent' });
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
  let lines: LineIndex | undefined;
  keyProblems(doc.contents, text, [], syntax, () => (lines ??= new LineIndex(text)));
  return { doc, text, syntax };
}

/**
 * Keys that no config can have, in one pass over the document: a key that appears twice in one mapping (reported at
 * the second, naming the first's line) and a collection as a key (`{a: 1}: x` or `? [a]` parse, but mean nothing
 * here).
 */
function keyProblems(node: unknown, text: string, path: KeyPath, out: Problem[], lines: () => LineIndex): void {
  if (isMap(node)) {
    const seen = new Map<string, number>();
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const keyNode = item.key as Node | null;
      const r = keyNode?.range;
      const [start, end] = clampRange(text, r?.[0] ?? 0, r?.[1] ?? 0);
      if (keyNode && !isScalar(keyNode)) {
        out.push({ severity: 'error', code: 'syntax', message: 'a key must be plain text, not a list or mapping', path, start, end });
        keyProblems(item.value, text, path, out, lines);
        continue;
      }
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const first = seen.get(key);
      if (first !== undefined) {
        const name = formatPath([...path, key]);
        out.push({ severity: 'error', code: 'syntax', message: `\`${name}\` appears twice (first at line ${lines().position(first).line}); each key may appear once`, path: [...path, key], start, end: Math.max(end, Math.min(text.length, start + 1)) });
      } else seen.set(key, start);
      keyProblems(item.value, text, [...path, key], out, lines);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => keyProblems(item, text, [...path, i], out, lines));
  }
}

function syntaxMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '').trim();
  switch (code) {
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

/**
 * How many values the document holds once every alias is replaced by what it names, stopping as soon as that passes
 * `limit`: honest reuse of an anchor (a few hundred times) stays small, an alias bomb (aliases of aliases of lists)
 * grows exponentially and is caught before anything is expanded. An alias inside its own anchor counts as infinite.
 */
export function expandedSize(doc: Document.Parsed, limit: number): number {
  const memo = new Map<unknown, number>();
  const active = new Set<unknown>();
  const size = (node: unknown): number => {
    if (isAlias(node)) return size(node.resolve(doc));
    if (!isMap(node) && !isSeq(node)) return 1;
    const known = memo.get(node);
    if (known !== undefined) return known;
    if (active.has(node)) return Infinity;
    active.add(node);
    let total = 1;
    for (const item of node.items as unknown[]) {
      total += isPair(item) ? size(item.key) + size(item.value) : size(item);
      if (total > limit) break;
    }
    active.delete(node);
    memo.set(node, total);
    return total;
  };
  return size(doc.contents);
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
