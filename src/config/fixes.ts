import { endOfLine, indentAt, pairBlock } from './navigate';
import type { Problem } from './problem';
import { schemaAt, type SchemaNode } from './schema';
import type { ParsedYaml } from './yamlDocument';
import { findPair } from './yamlDocument';
import { isMap } from 'yaml';

export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  preferred: boolean;
}

/** A YAML scalar for a value, quoting strings. */
function scalar(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** A value to start a key with: its default, else its first example, else something of its type. */
function starter(s: SchemaNode | undefined): unknown {
  if (!s) return '';
  if (s.default !== undefined) return s.default;
  if (s.examples?.length) return s.examples[0];
  if (s.enum?.length) return s.enum[0];
  return s.type === 'number' || s.type === 'integer' ? 1 : s.type === 'boolean' ? false : '';
}

/** `key: value` lines for a key, with a section's required children below it. */
function keyLines(key: string, path: (string | number)[], indent: number): string {
  const s = schemaAt(path);
  const pad = ' '.repeat(indent);
  if (s?.type === 'object' && s.properties) {
    const kids = (s.required ?? []).map((k) => keyLines(k, [...path, k], indent + 2)).join('');
    return kids ? `${pad}${key}:\n${kids}` : `${pad}${key}: {}\n`;
  }
  const v = starter(s);
  if (Array.isArray(v) || (v && typeof v === 'object')) return `${pad}${key}: ${JSON.stringify(v)}\n`;
  return `${pad}${key}: ${scalar(v)}\n`;
}

/** The quick fixes for a problem, as plain text edits. */
export function fixesFor(problem: Problem, parsed: ParsedYaml): Fix[] {
  const text = parsed.text;
  const value = text.slice(problem.start, problem.end);
  const quote = /^["']/.test(value) ? value[0] : '"';
  switch (problem.code) {
    case 'missing-key': {
      const key = problem.data?.key;
      if (!key) return [];
      if (problem.path.length === 0 && problem.message.includes('mode section')) {
        return ['batch', 'replay'].map((k) => ({ title: `Add a \`${k}\` section`, edits: [insertAtEnd(text, keyLines(k, [k], 0))], preferred: k === 'batch' }));
      }
      const parent = problem.path.slice(0, -1);
      if (parent.length === 0) return [{ title: `Add \`${key}\``, edits: [insertAtEnd(text, keyLines(key, [key], 0))], preferred: true }];
      // Under the parent's key line, indented like its children.
      const childIndent = firstChildIndent(parsed, parent) ?? indentAt(text, problem.start) + 2;
      const at = endOfLine(text, problem.start);
      return [{ title: `Add \`${key}\``, edits: [{ start: at, end: at, newText: keyLines(key, problem.path, childIndent) }], preferred: true }];
    }
    case 'unknown-key': {
      const block = pairBlock(text, problem.start);
      const fixes: Fix[] = [];
      if (problem.data?.suggestion) fixes.push({ title: `Rename to \`${problem.data.suggestion}\``, edits: [{ start: problem.start, end: problem.end, newText: problem.data.suggestion }], preferred: true });
      fixes.push({ title: `Remove \`${value}\``, edits: [{ start: block.start, end: block.end, newText: '' }], preferred: !problem.data?.suggestion });
      return fixes;
    }
    case 'invalid-enum': {
      const allowed = (problem.data?.allowed ?? []).map(String);
      const best = problem.data?.suggestion;
      const order = best ? [best, ...allowed.filter((a) => a !== best)] : allowed;
      return order.map((a, i) => ({ title: `Change to "${a}"`, edits: [{ start: problem.start, end: problem.end, newText: `${quote}${a}${quote}` }], preferred: i === 0 && Boolean(best) }));
    }
    case 'out-of-range': {
      const s = schemaAt(problem.path);
      const n = Number(value);
      if (!s || !Number.isFinite(n)) return [];
      let target: number | undefined;
      if (s.maximum !== undefined && n > s.maximum) target = s.maximum;
      else if (s.minimum !== undefined && n < s.minimum) target = s.minimum;
      else if (s.exclusiveMinimum !== undefined && n <= s.exclusiveMinimum) target = typeof s.examples?.[0] === 'number' ? (s.examples[0] as number) : s.exclusiveMinimum + 1;
      if (target === undefined) return [];
      return [{ title: `Change to ${target}, the nearest allowed value`, edits: [{ start: problem.start, end: problem.end, newText: String(target) }], preferred: true }];
    }
    case 'calendar': {
      // weekdays_only beside a calendar: the calendar decides. A range past the calendar: its nearest valid date.
      if (problem.path.join('.') === 'dates.weekdays_only') {
        const block = pairBlock(text, problem.start);
        return [{ title: 'Remove `weekdays_only` (the calendar decides the days off)', edits: [{ start: block.start, end: block.end, newText: '' }], preferred: true }];
      }
      const d = problem.data?.suggestion;
      return d ? [{ title: `Change to ${d}, the calendar's ${problem.path[1] === 'start' ? 'first' : 'last'} valid date`, edits: [{ start: problem.start, end: problem.end, newText: `${quote}${d}${quote}` }], preferred: true }] : [];
    }
    case 'invalid-type': {
      if (problem.path.length === 1 && problem.path[0] === 'env') {
        const pair = findPair(parsed.doc.contents, 'env');
        const keyEnd = (pair?.key as { range?: number[] } | undefined)?.range?.[1];
        if (keyEnd === undefined) return [];
        const lineEnd = text.indexOf('\n', keyEnd);
        return [{ title: 'Make `env` an empty map: `env: {}`', edits: [{ start: keyEnd, end: lineEnd === -1 ? text.length : lineEnd, newText: ': {}' }], preferred: true }];
      }
      return typeFix(problem, value);
    }
    default:
      return [];
  }
}

/** A value of the wrong type that says what it means: `"3"` for a number, `"true"` for a flag, `2024` for text. */
function typeFix(problem: Problem, value: string): Fix[] {
  const s = schemaAt(problem.path);
  const bare = value.replace(/^(["'])(.*)\1$/s, '$2').trim();
  const change = (to: string): Fix[] => [{ title: `Change to ${to}`, edits: [{ start: problem.start, end: problem.end, newText: to }], preferred: true }];
  if ((s?.type === 'integer' || s?.type === 'number') && bare !== '') {
    const n = Number(bare);
    if (Number.isFinite(n) && (s.type === 'number' || Number.isInteger(n))) return change(String(n));
  }
  if (s?.type === 'boolean' && /^(true|false)$/i.test(bare)) return change(bare.toLowerCase());
  if (s?.type === 'string' && bare !== '' && !/[\n:#]/.test(bare)) return change(JSON.stringify(bare));
  return [];
}

function insertAtEnd(text: string, lines: string): TextEdit {
  const sep = text.length === 0 || text.endsWith('\n') ? '' : '\n';
  return { start: text.length, end: text.length, newText: sep + lines };
}

function firstChildIndent(parsed: ParsedYaml, parent: (string | number)[]): number | undefined {
  let node: unknown = parsed.doc.contents;
  for (const seg of parent) {
    if (isMap(node)) node = findPair(node, seg)?.value;
    else if (node && typeof seg === 'number' && Array.isArray((node as { items?: unknown[] }).items)) node = (node as { items: unknown[] }).items[seg];
    else return undefined;
  }
  if (!isMap(node) || node.items.length === 0) return undefined;
  const r = (node.items[0].key as { range?: number[] } | null)?.range;
  return r ? indentAt(parsed.text, r[0]) : undefined;
}

/** Applies edits to a text (for tests and previews). Edits must not overlap. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}
