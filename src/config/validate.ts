import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap } from 'yaml';
import { countDates, toDayNumber } from '../util/dates';
import { nearest } from '../util/levenshtein';
import { findBlockingLoop, minutesToClose } from './blockingWorker';
import { formatPath, hasErrors, type KeyPath, type Problem, type ProblemCode, type Severity } from './problem';
import { schemaAt, schemaDefault, schemaValidator, type SchemaError } from './schema';
import { AUTO_ENV_VARS, isSecretName, type BackendName, type Config } from './types';
import { expand, findRefs, type Env } from './variables';
import { expandedSize, forEachStringScalar, locate, parseYaml, type ParsedYaml } from './yamlDocument';

export interface AnalyzeOptions {
  /** Absolute path of the config file (relative paths inside resolve against its folder). */
  file: string;
  /** Variables for `${VAR}` expansion; defaults to process.env. */
  env?: Env;
  /** 'run': unset variables are errors. 'edit': they are warnings (the editor asks for them at run time). */
  purpose?: 'run' | 'edit';
  /** Overrides the config's backend (the CLI's --backend, the extension's setting). */
  backend?: BackendName;
  /** Injected for the editor, which may see unsaved files; defaults to the file system. */
  isFile?: (absPath: string) => boolean;
  /** Reads a worker script's text (for rules about what it does); injected for the editor's unsaved files. */
  readText?: (absPath: string) => string | undefined;
  /** Plans with more cells than this get a warning. */
  largePlanCells?: number;
}

export interface ConfigAnalysis {
  problems: Problem[];
  /** Present only when there is no error. */
  config?: Config;
  parsed: ParsedYaml;
  /** The plain data of the document (may be anything, even when invalid). */
  data: unknown;
  backend: BackendName;
}

export const LARGE_PLAN_CELLS = 20_000;
/** What a config's aliases may expand to: far above any honest config, far below what hurts. */
export const MAX_EXPANDED_VALUES = 1_000_000;
/** A hard limit, checked before anything is allocated: a plan above it is refused. */
export const MAX_PLAN_CELLS = 1_000_000;

/** Parses and validates config text. Never throws: every failure is a problem with a range inside the text. */
export function analyzeConfig(text: string, options: AnalyzeOptions): ConfigAnalysis {
  const parsed = parseYaml(text);
  let data: unknown = null;
  const problems: Problem[] = [...parsed.syntax];
  const bomb = expandedSize(parsed.doc, MAX_EXPANDED_VALUES) > MAX_EXPANDED_VALUES;
  if (bomb) {
    problems.push({ severity: 'error', code: 'syntax', message: `YAML aliases expand this file to more than ${MAX_EXPANDED_VALUES.toLocaleString('en-US')} values (an alias that names itself, or aliases nested into a "billion laughs"); no config needs that`, path: [], start: 0, end: Math.min(1, text.length) });
  } else {
    try {
      // Aliases are bounded by their expanded size above, not by how often one is used.
      data = parsed.doc.toJS({ maxAliasCount: -1 });
    } catch (e) {
      problems.push({ severity: 'error', code: 'syntax', message: `YAML: ${(e as Error).message}`, path: [], start: 0, end: Math.min(1, text.length) });
    }
  }
  const raw = isObject(data) ? data : {};
  const backend: BackendName = options.backend ?? (raw.backend === 'local' || raw.backend === 'dhe' ? raw.backend : raw.deephaven !== undefined ? 'dhe' : 'local');
  const ctx = new Context(parsed, problems);
  let schemaOk = false;
  if (!bomb && (!hasErrors(parsed.syntax) || isMap(parsed.doc.contents))) {
    schemaOk = schemaProblems(ctx, data);
    semanticProblems(ctx, raw, backend, options);
  }
  problems.sort((a, b) => a.start - b.start || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  dedupe(problems);
  // Only data the schema accepted becomes a Config, whatever else was reported.
  const config = schemaOk && !hasErrors(problems) ? buildConfig(raw, backend, options) : undefined;
  return { problems, config, parsed, data, backend };
}

class Context {
  constructor(
    readonly parsed: ParsedYaml,
    readonly problems: Problem[],
  ) {}

  add(severity: Severity, code: ProblemCode, path: KeyPath, target: 'key' | 'value', message: string, data?: Problem['data']): void {
    const [start, end] = locate(this.parsed, path, target);
    this.problems.push({ severity, code, message, path, start, end, ...(data ? { data } : {}) });
  }

  addAt(severity: Severity, code: ProblemCode, path: KeyPath, start: number, end: number, message: string): void {
    this.problems.push({ severity, code, message, path, start, end });
  }
}

// ---------------------------------------------------------------- schema errors → problems

/** Reports what the schema rejects; true when it accepts the data. */
function schemaProblems(ctx: Context, data: unknown): boolean {
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
      ctx.add('error', 'backend', [], 'key', 'backend "dhe" needs a `deephaven` section with connection_url, auth_method and username', { key: 'deephaven' });
      continue;
    }
    schemaErrorProblem(ctx, data, err);
  }
  return false;
}

function modeProblem(ctx: Context, data: Record<string, unknown>): void {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  if (has('replay') && has('batch')) {
    for (const k of ['replay', 'batch']) ctx.add('error', 'mode', [k], 'key', 'use exactly one of `replay` or `batch`, not both');
  } else {
    ctx.add('error', 'missing-key', [], 'key', 'missing the mode section: add `replay:` (ReplayScript queries) or `batch:` (RunAndDone queries)', { key: 'batch' });
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

function show(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  const s = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
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

function schemaErrorProblem(ctx: Context, data: unknown, err: SchemaError): void {
  const p = pathOf(data, err.instancePath);
  const value = valueAt(data, p);
  const key = p.length ? String(p[p.length - 1]) : '';
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const why = err.schemaPath.includes('/then/') ? ` (auth_method is ${show(valueAt(data, [...p, 'auth_method']))})` : '';
      const where = p.length ? `\`${formatPath(p)}\`` : 'the config';
      ctx.add('error', 'missing-key', [...p, missing], 'key', `missing required key \`${missing}\` in ${where}${why}`, { key: missing });
      // Point at the parent's key, not the (absent) child.
      const last = ctx.problems[ctx.problems.length - 1];
      [last.start, last.end] = locate(ctx.parsed, p, 'key');
      return;
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = Object.keys(schemaAt(p)?.properties ?? {});
      const guess = nearest(extra, allowed);
      const hint = guess ? `; did you mean \`${guess}\`?` : allowed.length ? `; allowed here: ${allowed.join(', ')}` : '';
      ctx.add('error', 'unknown-key', [...p, extra], 'key', `unknown key \`${extra}\`${p.length ? ` in \`${formatPath(p)}\`` : ''}${hint}`, guess ? { suggestion: guess } : undefined);
      return;
    }
    case 'propertyNames': return; // reported by its inner pattern error below
    case 'type': {
      if (p.length === 0) {
        ctx.add('error', 'invalid-type', [], 'key', value == null ? 'the config is empty: expected a mapping with name, execution, dates, env and replay or batch' : `the config must be a mapping of keys, got ${show(value)}`);
        return;
      }
      const extra = key === 'env' && value === null ? ' (an empty env is written `env: {}`)' : '';
      ctx.add('error', 'invalid-type', p, 'value', `\`${formatPath(p)}\` must be ${typeWords(params.type)}, got ${show(value)}${extra}`);
      return;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const guess = typeof value === 'string' ? nearest(value, allowed.map(String)) : undefined;
      ctx.add('error', 'invalid-enum', p, 'value', `\`${formatPath(p)}\` must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${show(value)}`, { allowed, ...(guess ? { suggestion: guess } : {}) });
      return;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      ctx.add('error', 'out-of-range', p, 'value', `\`${formatPath(p)}\` must be ${rangeWords(schemaAt(p))}, got ${show(value)}`, { allowed: boundsOf(schemaAt(p)) });
      return;
    }
    case 'minLength':
      ctx.add('error', 'empty', p, 'value', `\`${formatPath(p)}\` must not be empty`);
      return;
    case 'maxLength':
      ctx.add('error', 'out-of-range', p, 'value', `\`${formatPath(p)}\` must be at most ${String(params.limit)} characters, got ${String(value).length}`);
      return;
    case 'pattern': {
      if (err.propertyName !== undefined) {
        // A key of a map (env names): underline the key, message from the map's propertyNames.
        const name = err.propertyName;
        ctx.add('error', 'invalid-format', [...p, name], 'key', fillMessage(schemaAt(p)?.propertyNames?.patternMessage, p, name, name));
        return;
      }
      if (value === '' && schemaAt(p)?.minLength) return; // minLength says it once
      const node = schemaAt(p);
      ctx.add('error', params.pattern === '\\S' ? 'empty' : 'invalid-format', p, 'value', fillMessage(node?.patternMessage, p, key, value));
      return;
    }
    default:
      ctx.add('error', 'invalid-format', p, 'value', `\`${formatPath(p)}\` ${err.message ?? 'is invalid'}`);
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
function fillMessage(template: string | undefined, p: KeyPath, key: string, value: unknown): string {
  const t = template ?? '{path} does not have the expected form, got {value}';
  return t.replace(/\{path\}/g, `\`${formatPath(p)}\``).replace(/\{key\}/g, key).replace(/\{value\}/g, show(value));
}

// ---------------------------------------------------------------- rules a schema cannot say

function semanticProblems(ctx: Context, raw: Record<string, unknown>, backend: BackendName, options: AnalyzeOptions): void {
  const env = options.env ?? process.env;
  const purpose = options.purpose ?? 'run';
  const dir = path.dirname(options.file);
  const isFile = options.isFile ?? defaultIsFile;

  variableProblems(ctx, env, purpose, backend);
  expandedNameProblems(ctx, raw, env);
  const dateCount = dateProblems(ctx, raw);

  const exec = isObject(raw.execution) ? raw.execution : {};
  if (typeof exec.worker_script === 'string' && exec.worker_script.trim() && !hasUnset(exec.worker_script, env)) {
    const abs = path.resolve(dir, expand(exec.worker_script, env));
    if (!isFile(abs)) ctx.add('error', 'file-not-found', ['execution', 'worker_script'], 'value', `worker script not found: ${abs} (relative paths are resolved against the config file's folder)`);
    else blockingReplayProblem(ctx, raw, (options.readText ?? defaultReadText)(abs));
  }
  const dh = isObject(raw.deephaven) ? raw.deephaven : undefined;
  if (dh && backend === 'dhe' && dh.auth_method === 'private_key' && typeof dh.private_key_path === 'string' && dh.private_key_path.trim() && !hasUnset(dh.private_key_path, env)) {
    const abs = path.resolve(dir, expand(dh.private_key_path, env));
    if (!isFile(abs)) ctx.add('error', 'file-not-found', ['deephaven', 'private_key_path'], 'value', `private key file not found: ${abs} (relative paths are resolved against the config file's folder)`);
    else {
      const mode = fileMode(abs);
      if (mode !== undefined && (mode & 0o077) !== 0) {
        ctx.add('warning', 'permissions', ['deephaven', 'private_key_path'], 'value', `private key file ${abs} can be read by other users (mode ${(mode & 0o777).toString(8)}); restrict it with: chmod 600 ${abs}`);
      }
    }
  }
  if (typeof dh?.connection_url === 'string' && dh.connection_url.trim() && !hasUnset(dh.connection_url, env)) {
    const url = expand(dh.connection_url, env);
    if (!/^https?:\/\/[^/\s]+/i.test(url)) ctx.add('error', 'invalid-format', ['deephaven', 'connection_url'], 'value', `\`deephaven.connection_url\` must be an http(s) URL such as https://host:8000/iris/connection.json, got ${show(url)}`);
  }
  if (backend === 'dhe' && !dh && raw.backend !== 'dhe' && raw.deephaven === undefined) {
    ctx.add('error', 'backend', [], 'key', 'the dhe backend needs a `deephaven` section with connection_url, auth_method and username', { key: 'deephaven' });
  }
  if (backend === 'local' && exec.script_language === 'Groovy') {
    ctx.add('error', 'backend', ['execution', 'script_language'], 'value', 'the local backend runs Python worker scripts only; use the dhe backend for Groovy');
  }

  if (isObject(raw.env)) {
    for (const name of Object.keys(raw.env)) {
      const v = raw.env[name];
      if (typeof v === 'string' && /[\r\n]/.test(v)) {
        ctx.add('error', 'invalid-format', ['env', name], 'value', `\`env.${name}\` holds a line break; worker environment values must be one line`);
      } else if (typeof v === 'string' && backend === 'dhe' && (/["',]/.test(v) || /^\s|\s$/.test(v))) {
        // The server receives every variable in one string; how it treats these characters is not verified.
        ctx.add('warning', 'invalid-format', ['env', name], 'value', `\`env.${name}\` holds a quote, a comma or a leading or trailing space; how Deephaven splits its environment string around these is unverified: check what the worker sees with pq-orchestrator --check-server`);
      }
      if ((AUTO_ENV_VARS as readonly string[]).includes(name)) {
        ctx.add('error', 'env-collision', ['env', name], 'key', `\`env.${name}\` would replace a variable the orchestrator sets for every cell (${AUTO_ENV_VARS.join(', ')})`);
      }
    }
  }

  const partitions = exec.num_partitions;
  if (dateCount > 0 && Number.isInteger(partitions) && (partitions as number) > 0) {
    const cells = dateCount * (partitions as number);
    const limit = options.largePlanCells ?? LARGE_PLAN_CELLS;
    if (cells > MAX_PLAN_CELLS) {
      ctx.add('error', 'large-plan', ['dates'], 'key', `this plan has ${cells.toLocaleString('en-US')} queries (${dateCount} dates × ${partitions} partitions), more than the limit of ${MAX_PLAN_CELLS.toLocaleString('en-US')} per run; split the date range into several configs`);
    } else if (cells > limit) {
      ctx.add('warning', 'large-plan', ['dates'], 'key', `this plan creates ${cells.toLocaleString('en-US')} queries (${dateCount} dates × ${partitions} partitions); try a short date range first`);
    }
  }
}

function hasUnset(value: string, env: Env): boolean {
  const { refs, malformed } = findRefs(value);
  return malformed.length > 0 || refs.some((r) => env[r.name] === undefined);
}

function variableProblems(ctx: Context, env: Env, purpose: 'run' | 'edit', backend: BackendName): void {
  forEachStringScalar(ctx.parsed, (p, value, start, end) => {
    if (purpose === 'run' && backend === 'local' && p[0] === 'deephaven') return; // not used by local runs
    const { refs, malformed } = findRefs(value);
    if (refs.length === 0 && malformed.length === 0) {
      if (value.includes('\u0000')) ctx.addAt('error', 'invalid-format', p, start, end, `\`${formatPath(p)}\` holds a NUL character, which no process or server accepts`);
      return;
    }
    const source = ctx.parsed.text.slice(start, end);
    for (const ref of malformed) {
      const [s, e] = subRange(source, value.substr(ref.index, ref.length), start, end);
      ctx.addAt('error', 'invalid-format', p, s, e, `\`${value.substr(ref.index, ref.length)}\` is not a valid variable reference: use \${NAME} with letters, digits and _`);
    }
    if (value.includes('\u0000')) ctx.addAt('error', 'invalid-format', p, start, end, `\`${formatPath(p)}\` holds a NUL character, which no process or server accepts`);
    for (const ref of refs) {
      const value = env[ref.name];
      if (value !== undefined && /[\u0000\r\n]/.test(value)) {
        const [s, e] = subRange(source, `\${${ref.name}}`, start, end);
        const what = value.includes('\u0000') ? 'a NUL character' : 'a line break';
        ctx.addAt(purpose === 'run' ? 'error' : 'warning', 'invalid-format', p, s, e, `environment variable ${ref.name} holds ${what}; \`${formatPath(p)}\` must be one line of text`);
        continue;
      }
      // An empty credential is as good as none.
      if (value !== undefined && !(value === '' && p[0] === 'deephaven')) continue;
      const [s, e] = subRange(source, `\${${ref.name}}`, start, end);
      const severity: Severity = purpose === 'run' ? 'error' : 'warning';
      ctx.addAt(severity, 'unset-variable', p, s, e, `environment variable ${ref.name} is ${value === undefined ? 'not set' : 'empty'} (used by \`${formatPath(p)}\`)`);
    }
  });
}

/** The exact place of a `${NAME}` inside the scalar's source, or the whole scalar. */
function subRange(source: string, needle: string, start: number, end: number): [number, number] {
  const i = source.indexOf(needle);
  return i >= 0 ? [start + i, start + i + needle.length] : [start, end];
}

function dateProblems(ctx: Context, raw: Record<string, unknown>): number {
  const dates = isObject(raw.dates) ? raw.dates : undefined;
  if (!dates) return 0;
  const days: Record<string, number | undefined> = {};
  for (const k of ['start', 'end'] as const) {
    const v = dates[k];
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) continue;
    days[k] = toDayNumber(v);
    if (days[k] === undefined) ctx.add('error', 'date', ['dates', k], 'value', `\`dates.${k}\` is not a calendar date: ${v}`);
  }
  const { start, end } = days;
  if (start === undefined || end === undefined) return 0;
  if (end < start) {
    ctx.add('error', 'date', ['dates', 'end'], 'value', `\`dates.end\` (${dates.end}) is before \`dates.start\` (${dates.start})`);
    return 0;
  }
  const weekdaysOnly = dates.weekdays_only === true;
  const n = countDates(dates.start as string, dates.end as string, weekdaysOnly);
  if (n === 0) ctx.add('error', 'date', ['dates'], 'key', `no dates to run: ${dates.start} to ${dates.end} holds only weekend days and \`weekdays_only\` is true`);
  return n;
}

/** `name` may come through `${VAR}`: what it expands to must meet the same rule as a literal name. */
function expandedNameProblems(ctx: Context, raw: Record<string, unknown>, env: Env): void {
  if (typeof raw.name !== 'string' || !findRefs(raw.name).refs.length || hasUnset(raw.name, env)) return;
  const node = schemaAt(['name']);
  const value = expand(raw.name, env);
  if (node?.pattern && !new RegExp(node.pattern, 'u').test(value)) {
    ctx.add('error', 'invalid-format', ['name'], 'value', fillMessage(node.patternMessage, ['name'], 'name', value));
  } else if (node?.maxLength && value.length > node.maxLength) {
    ctx.add('error', 'out-of-range', ['name'], 'value', `\`name\` must be at most ${node.maxLength} characters, got ${value.length}`);
  }
}

// ---------------------------------------------------------------- typed config

function buildConfig(raw: Record<string, unknown>, backend: BackendName, options: AnalyzeOptions): Config {
  const env = options.env ?? process.env;
  const dir = path.dirname(options.file);
  const secrets = new Set<string>();
  const str = (v: unknown, secretHint = false): string => {
    const s = expand(String(v), env);
    const viaSecretVar = findRefs(String(v)).refs.some((r) => isSecretName(r.name));
    if ((secretHint || viaSecretVar) && s) secrets.add(s);
    return s;
  };
  const ex = raw.execution as Record<string, unknown>;
  const d = <T>(section: string, key: string, v: unknown): T => (v === undefined ? schemaDefault<T>([section, key]) : (v as T));

  const config: Config = {
    file: path.resolve(options.file),
    name: str(raw.name),
    mode: raw.replay !== undefined ? 'replay' : 'batch',
    backend,
    execution: {
      worker_script: path.resolve(dir, str(ex.worker_script)),
      num_partitions: ex.num_partitions as number,
      max_concurrent_sessions: ex.max_concurrent_sessions as number,
      heap_size_gb: ex.heap_size_gb as number,
      script_language: ex.script_language as 'Python' | 'Groovy',
      jvm_profile: str(d('execution', 'jvm_profile', ex.jvm_profile)),
      worker_kind: str(d('execution', 'worker_kind', ex.worker_kind)),
      server_name: str(d('execution', 'server_name', ex.server_name)),
      max_retries: d('execution', 'max_retries', ex.max_retries),
      max_failures: d('execution', 'max_failures', ex.max_failures),
      delete_successful_queries: d('execution', 'delete_successful_queries', ex.delete_successful_queries),
      delete_failed_queries: d('execution', 'delete_failed_queries', ex.delete_failed_queries),
    },
    dates: {
      start: (raw.dates as Record<string, string>).start,
      end: (raw.dates as Record<string, string>).end,
      weekdays_only: d('dates', 'weekdays_only', (raw.dates as Record<string, unknown>).weekdays_only),
    },
    env: {},
    local: { python: str(d('local', 'python', isObject(raw.local) ? raw.local.python : undefined)) },
    secrets: [],
  };
  if (isObject(raw.deephaven)) {
    const dh = raw.deephaven;
    const auth = dh.auth_method as 'password' | 'private_key';
    config.deephaven = {
      connection_url: str(dh.connection_url),
      auth_method: auth,
      username: str(dh.username),
      ...(auth === 'password' && typeof dh.password === 'string' ? { password: str(dh.password, true) } : {}),
      ...(auth === 'private_key' && typeof dh.private_key_path === 'string' ? { private_key_path: path.resolve(dir, str(dh.private_key_path)) } : {}),
    };
  }
  if (isObject(raw.replay)) {
    const r = raw.replay;
    config.replay = {
      init_timeout_minutes: d('replay', 'init_timeout_minutes', r.init_timeout_minutes),
      replay_start: r.replay_start as string,
      replay_speed: r.replay_speed as number,
      sorted_replay: d('replay', 'sorted_replay', r.sorted_replay),
      ...(r.buffer_rows !== undefined ? { buffer_rows: r.buffer_rows as number } : {}),
      replay_timestamp_columns: ((r.replay_timestamp_columns as Record<string, string>[] | undefined) ?? []).map((c) => ({
        namespace: c.namespace,
        table: c.table,
        column: c.column,
      })),
    };
  } else {
    config.batch = { timeout_minutes: (raw.batch as Record<string, number>).timeout_minutes };
  }
  for (const [k, v] of Object.entries(raw.env as Record<string, unknown>)) {
    config.env[k] = str(v, isSecretName(k));
  }
  config.secrets = [...secrets].filter((s) => s.length >= 3);
  return config;
}

// ---------------------------------------------------------------- helpers

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fileMode(abs: string): number | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    return fs.statSync(abs).mode;
  } catch {
    return undefined;
  }
}

function defaultReadText(abs: string): string | undefined {
  try {
    return fs.readFileSync(abs, 'utf8');
  } catch {
    return undefined;
  }
}

/** A replay worker that blocks until the close would outlive init_timeout_minutes before it ever runs. */
function blockingReplayProblem(ctx: Context, raw: Record<string, unknown>, script: string | undefined): void {
  const replay = isObject(raw.replay) ? raw.replay : undefined;
  if (!replay || script === undefined) return;
  const loop = findBlockingLoop(script);
  if (!loop) return;
  const env = isObject(raw.env) ? raw.env : {};
  const close = typeof env.MARKET_CLOSE === 'string' ? env.MARKET_CLOSE : '16:00:00';
  const start = typeof replay.replay_start === 'string' ? replay.replay_start : '';
  const speed = typeof replay.replay_speed === 'number' ? replay.replay_speed : NaN;
  const timeout = typeof replay.init_timeout_minutes === 'number' ? replay.init_timeout_minutes : schemaDefault<number>(['replay', 'init_timeout_minutes']);
  const minutes = minutesToClose(start, close, speed);
  if (minutes === undefined || minutes <= timeout) return;
  const where = replay.init_timeout_minutes !== undefined ? ['replay', 'init_timeout_minutes'] : ['replay'];
  ctx.add('warning', 'out-of-range', where, replay.init_timeout_minutes !== undefined ? 'value' : 'key',
    `the worker script loops at top level (line ${loop.line}) until the close, so its query stays Initializing for about ${minutes.toFixed(1)} min (${start} to ${close} at replay_speed ${speed}), longer than init_timeout_minutes (${timeout}): the watchdog would fail healthy cells. Return from the script and stop the query from a listener, or raise init_timeout_minutes.`);
}

function defaultIsFile(abs: string): boolean {
  try {
    return fs.statSync(abs).isFile();
  } catch {
    return false;
  }
}

/** One problem per place and kind: the first of each, and problems are sorted errors first. */
function dedupe(problems: Problem[]): void {
  const seen = new Set<string>();
  // An empty string breaks both minLength and pattern: one message for it.
  const kept = problems.filter((p) => {
    const k = `${p.start}:${p.end}:${p.code}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  problems.splice(0, problems.length, ...kept);
}
