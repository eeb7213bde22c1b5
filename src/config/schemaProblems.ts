import { nearest } from '../util/levenshtein';
import { isObject, show, type ProblemCollector } from './problemCollector';
import { formatPath, type KeyPath } from './problem';
import { schemaAt, schemaValidator, type SchemaError } from './schema';

// Schema errors → problems: each placed where a reader looks (a type, enum or pattern error on the value, a missing
// key on its parent's key, an unknown key on that key) and worded from the schema.

/** Reports what the schema rejects; true when it accepts the data. */
export function schemaProblems(ctx: ProblemCollector, data: unknown): boolean {
  const validate = schemaValidator();
  if (validate(data)) return true;
  const errors = validate.errors ?? [];
  let modeReported = false;
  for (const err of errors) {
    if (err.keyword === 'if') continue; // the `then` branch's own error says what is missing
    if (err.schemaPath.startsWith('#/oneOf')) {
      if (!modeReported && isObject(data)) modeProblem(ctx, data);
      modeReported = true;
      continue;
    }
    if (err.schemaPath.startsWith('#/allOf') && err.keyword === 'required') {
      ctx.add({ severity: 'error', code: 'backend', path: [], on: 'key', message: 'backend "dhe" needs a `deephaven` section with connection_url, auth_method and username', data: { key: 'deephaven' } });
      continue;
    }
    schemaErrorProblem(ctx, data, err);
  }
  return false;
}

function modeProblem(ctx: ProblemCollector, data: Record<string, unknown>): void {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  if (has('replay') && has('batch')) {
    for (const k of ['replay', 'batch']) ctx.add({ severity: 'error', code: 'mode', path: [k], on: 'key', message: 'use exactly one of `replay` or `batch`, not both' });
  } else {
    ctx.add({ severity: 'error', code: 'missing-key', path: [], on: 'key', message: 'missing the mode section: add `replay:` (ReplayScript queries) or `batch:` (RunAndDone queries)', data: { key: 'batch' } });
  }
}

function pathOf(data: unknown, instancePath: string): KeyPath {
  if (!instancePath) return [];
  const out: KeyPath = [];
  let cur: unknown = data;
  for (const rawSeg of instancePath.slice(1).split('/')) {
    const seg = rawSeg.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = isObject(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

function valueAt(data: unknown, p: KeyPath): unknown {
  let cur = data;
  for (const seg of p) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isObject(cur)) cur = cur[String(seg)];
    else return undefined;
  }
  return cur;
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

function typeWords(t: unknown): string {
  const list = Array.isArray(t) ? t : String(t).split(',');
  return list.map((x) => TYPE_WORDS[x] ?? x).join(' or ');
}

function schemaErrorProblem(ctx: ProblemCollector, data: unknown, err: SchemaError): void {
  const p = pathOf(data, err.instancePath);
  const value = valueAt(data, p);
  const key = p.length ? String(p[p.length - 1]) : '';
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const why = err.schemaPath.includes('/then/') ? ` (auth_method is ${show(valueAt(data, [...p, 'auth_method']))})` : '';
      const where = p.length ? `\`${formatPath(p)}\`` : 'the config';
      // Shown on the parent's key: the child is absent.
      ctx.add({ severity: 'error', code: 'missing-key', path: [...p, missing], on: 'key', message: `missing required key \`${missing}\` in ${where}${why}`, data: { key: missing }, anchor: p });
      return;
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = Object.keys(schemaAt(p)?.properties ?? {});
      const guess = nearest(extra, allowed);
      const hint = guess ? `; did you mean \`${guess}\`?` : allowed.length ? `; allowed here: ${allowed.join(', ')}` : '';
      ctx.add({ severity: 'error', code: 'unknown-key', path: [...p, extra], on: 'key', message: `unknown key \`${extra}\`${p.length ? ` in \`${formatPath(p)}\`` : ''}${hint}`, data: guess ? { suggestion: guess } : undefined });
      return;
    }
    case 'propertyNames': return; // reported by its inner pattern error below
    case 'type': {
      if (p.length === 0) {
        ctx.add({ severity: 'error', code: 'invalid-type', path: [], on: 'key', message: value == null ? 'the config is empty: expected a mapping with name, execution, dates, env and replay or batch' : `the config must be a mapping of keys, got ${show(value)}` });
        return;
      }
      const extra = key === 'env' && value === null ? ' (an empty env is written `env: {}`)' : '';
      ctx.add({ severity: 'error', code: 'invalid-type', path: p, on: 'value', message: `\`${formatPath(p)}\` must be ${typeWords(params.type)}, got ${show(value)}${extra}` });
      return;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const guess = typeof value === 'string' ? nearest(value, allowed.map(String)) : undefined;
      ctx.add({ severity: 'error', code: 'invalid-enum', path: p, on: 'value', message: `\`${formatPath(p)}\` must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${show(value)}`, data: { allowed, ...(guess ? { suggestion: guess } : {}) } });
      return;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      ctx.add({ severity: 'error', code: 'out-of-range', path: p, on: 'value', message: `\`${formatPath(p)}\` must be ${rangeWords(schemaAt(p))}, got ${show(value)}`, data: { allowed: boundsOf(schemaAt(p)) } });
      return;
    }
    case 'minLength':
      ctx.add({ severity: 'error', code: 'empty', path: p, on: 'value', message: `\`${formatPath(p)}\` must not be empty` });
      return;
    case 'maxLength':
      ctx.add({ severity: 'error', code: 'out-of-range', path: p, on: 'value', message: `\`${formatPath(p)}\` must be at most ${String(params.limit)} characters, got ${String(value).length}` });
      return;
    case 'pattern': {
      if (err.propertyName !== undefined) {
        // A key of a map (env names): underline the key, message from the map's propertyNames.
        const name = err.propertyName;
        ctx.add({ severity: 'error', code: 'invalid-format', path: [...p, name], on: 'key', message: fillMessage(schemaAt(p)?.propertyNames?.patternMessage, p, name, name) });
        return;
      }
      if (value === '' && schemaAt(p)?.minLength) return; // minLength says it once
      const node = schemaAt(p);
      ctx.add({ severity: 'error', code: params.pattern === '\\S' ? 'empty' : 'invalid-format', path: p, on: 'value', message: fillMessage(node?.patternMessage, p, key, value) });
      return;
    }
    default:
      ctx.add({ severity: 'error', code: 'invalid-format', path: p, on: 'value', message: `\`${formatPath(p)}\` ${err.message ?? 'is invalid'}` });
  }
}

function rangeWords(s: { minimum?: number; maximum?: number; exclusiveMinimum?: number } | undefined): string {
  if (!s) return 'in range';
  const lo = s.minimum !== undefined ? `at least ${s.minimum}` : s.exclusiveMinimum !== undefined ? `more than ${s.exclusiveMinimum}` : '';
  const hi = s.maximum !== undefined ? `at most ${s.maximum}` : '';
  if (s.minimum !== undefined && s.maximum !== undefined) return `between ${s.minimum} and ${s.maximum}`;
  return [lo, hi].filter(Boolean).join(' and ');
}

function boundsOf(s: { minimum?: number; maximum?: number; exclusiveMinimum?: number } | undefined): unknown[] {
  return [s?.minimum ?? s?.exclusiveMinimum, s?.maximum];
}

/** A pattern's message as the schema words it. */
export function fillMessage(template: string | undefined, p: KeyPath, key: string, value: unknown): string {
  const t = template ?? '{path} does not have the expected form, got {value}';
  return t.replace(/\{path\}/g, `\`${formatPath(p)}\``).replace(/\{key\}/g, key).replace(/\{value\}/g, show(value));
}
