import * as fs from 'node:fs';
import * as path from 'node:path';
import { findBlockingLoop, minutesToClose } from './blockingWorker';
import { isObject, show, type ProblemCollector } from './problemCollector';
import { formatPath, type Severity } from './problem';
import { schemaAt, schemaDefault } from './schema';
import { fillMessage } from './schemaProblems';
import { AUTO_ENV_VARS, type BackendName } from './types';
import type { AnalyzeOptions } from './analyzeOptions';
import { LARGE_PLAN_CELLS, MAX_PLAN_CELLS } from './limits';
import { expand, findRefs, type Env } from './variables';
import { forEachStringScalar } from './yamlDocument';
import { dateProblems } from './dateRules';

// Rules a schema cannot say, one small function each. Each reads the raw data and adds problems to the context.

interface RuleInput {
  raw: Record<string, unknown>;
  backend: BackendName;
  env: Env;
  purpose: 'run' | 'edit';
  dir: string;
  options: AnalyzeOptions;
}

/** Every rule, in the order their problems are found. */
export function semanticProblems(ctx: ProblemCollector, raw: Record<string, unknown>, backend: BackendName, options: AnalyzeOptions): void {
  const input: RuleInput = { raw, backend, env: options.env ?? process.env, purpose: options.purpose ?? 'run', dir: path.dirname(options.file), options };
  variableProblems(ctx, input.env, input.purpose, backend, options.stored);
  expandedNameProblems(ctx, raw, input.env);
  const dateCount = dateProblems(ctx, raw, options.file);
  workerScriptRule(ctx, input);
  privateKeyRule(ctx, input);
  connectionUrlRule(ctx, input);
  backendRules(ctx, input);
  envRules(ctx, input);
  planSizeRule(ctx, input, dateCount);
}

function workerScriptRule(ctx: ProblemCollector, { raw, env, dir, options }: RuleInput): void {
  const exec = isObject(raw.execution) ? raw.execution : {};
  if (typeof exec.worker_script !== 'string' || !exec.worker_script.trim() || hasUnset(exec.worker_script, env)) return;
  const abs = path.resolve(dir, expand(exec.worker_script, env));
  if (!(options.isFile ?? defaultIsFile)(abs)) ctx.add({ severity: 'error', code: 'file-not-found', path: ['execution', 'worker_script'], on: 'value', message: `worker script not found: ${abs} (relative paths are resolved against the config file's folder)` });
  else blockingReplayProblem(ctx, raw, (options.readText ?? defaultReadText)(abs));
}

function privateKeyRule(ctx: ProblemCollector, { raw, backend, env, dir, options }: RuleInput): void {
  const dh = isObject(raw.deephaven) ? raw.deephaven : undefined;
  if (!dh || backend !== 'dhe' || dh.auth_method !== 'private_key' || typeof dh.private_key_path !== 'string' || !dh.private_key_path.trim() || hasUnset(dh.private_key_path, env)) return;
  const abs = path.resolve(dir, expand(dh.private_key_path, env));
  if (!(options.isFile ?? defaultIsFile)(abs)) {
    ctx.add({ severity: 'error', code: 'file-not-found', path: ['deephaven', 'private_key_path'], on: 'value', message: `private key file not found: ${abs} (relative paths are resolved against the config file's folder)` });
    return;
  }
  const mode = fileMode(abs);
  if (mode !== undefined && (mode & 0o077) !== 0) {
    ctx.add({ severity: 'warning', code: 'permissions', path: ['deephaven', 'private_key_path'], on: 'value', message: `private key file ${abs} can be read by other users (mode ${(mode & 0o777).toString(8)}); restrict it with: chmod 600 ${abs}` });
  }
}

function connectionUrlRule(ctx: ProblemCollector, { raw, env }: RuleInput): void {
  const dh = isObject(raw.deephaven) ? raw.deephaven : undefined;
  if (typeof dh?.connection_url !== 'string' || !dh.connection_url.trim() || hasUnset(dh.connection_url, env)) return;
  const url = expand(dh.connection_url, env);
  if (!/^https?:\/\/[^/\s]+/i.test(url)) ctx.add({ severity: 'error', code: 'invalid-format', path: ['deephaven', 'connection_url'], on: 'value', message: `\`deephaven.connection_url\` must be an http(s) URL such as https://host:8000/iris/connection.json, got ${show(url)}` });
}

function backendRules(ctx: ProblemCollector, { raw, backend }: RuleInput): void {
  if (backend === 'dhe' && !isObject(raw.deephaven) && raw.backend !== 'dhe' && raw.deephaven === undefined) {
    ctx.add({ severity: 'error', code: 'backend', path: [], on: 'key', message: 'the dhe backend needs a `deephaven` section with connection_url, auth_method and username', data: { key: 'deephaven' } });
  }
  const exec = isObject(raw.execution) ? raw.execution : {};
  if (backend === 'local' && exec.script_language === 'Groovy') {
    ctx.add({ severity: 'error', code: 'backend', path: ['execution', 'script_language'], on: 'value', message: 'the local backend runs Python worker scripts only; use the dhe backend for Groovy' });
  }
}

function envRules(ctx: ProblemCollector, { raw, backend }: RuleInput): void {
  if (!isObject(raw.env)) return;
  for (const name of Object.keys(raw.env)) {
    const v = raw.env[name];
    if (typeof v === 'string' && /[\r\n]/.test(v)) {
      ctx.add({ severity: 'error', code: 'invalid-format', path: ['env', name], on: 'value', message: `\`env.${name}\` holds a line break; worker environment values must be one line` });
    } else if (typeof v === 'string' && backend === 'dhe' && (/["',]/.test(v) || /^\s|\s$/.test(v))) {
      // The server receives every variable in one string; how it treats these characters is not verified.
      ctx.add({ severity: 'warning', code: 'invalid-format', path: ['env', name], on: 'value', message: `\`env.${name}\` holds a quote, a comma or a leading or trailing space; how Deephaven splits its environment string around these is unverified: check what the worker sees with Check Server (the CLI's --check-server)` });
    }
    if ((AUTO_ENV_VARS as readonly string[]).includes(name)) {
      ctx.add({ severity: 'error', code: 'env-collision', path: ['env', name], on: 'key', message: `\`env.${name}\` would replace a variable the orchestrator sets for every cell (${AUTO_ENV_VARS.join(', ')})` });
    }
  }
}

function planSizeRule(ctx: ProblemCollector, { raw, options }: RuleInput, dateCount: number): void {
  const partitions = isObject(raw.execution) ? raw.execution.num_partitions : undefined;
  if (dateCount <= 0 || !Number.isInteger(partitions) || (partitions as number) <= 0) return;
  const cells = dateCount * (partitions as number);
  const limit = options.largePlanCells ?? LARGE_PLAN_CELLS;
  if (cells > MAX_PLAN_CELLS) {
    ctx.add({ severity: 'error', code: 'large-plan', path: ['dates'], on: 'key', message: `this plan has ${cells.toLocaleString('en-US')} queries (${dateCount} dates × ${partitions} partitions), more than the limit of ${MAX_PLAN_CELLS.toLocaleString('en-US')} per run; split the date range into several configs` });
  } else if (cells > limit) {
    ctx.add({ severity: 'warning', code: 'large-plan', path: ['dates'], on: 'key', message: `this plan creates ${cells.toLocaleString('en-US')} queries (${dateCount} dates × ${partitions} partitions); try a short date range first` });
  }
}

function hasUnset(value: string, env: Env): boolean {
  const { refs, malformed } = findRefs(value);
  return malformed.length > 0 || refs.some((r) => env[r.name] === undefined);
}

function variableProblems(ctx: ProblemCollector, env: Env, purpose: 'run' | 'edit', backend: BackendName, stored?: ReadonlySet<string>): void {
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
      // An empty credential is as good as none; a stored one is as good as set (the editor supplies it to the run).
      if (value !== undefined && !(value === '' && p[0] === 'deephaven')) continue;
      if (value === undefined && stored?.has(ref.name)) continue;
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

/** `name` may come through `${VAR}`: what it expands to must meet the same rule as a literal name. */
function expandedNameProblems(ctx: ProblemCollector, raw: Record<string, unknown>, env: Env): void {
  if (typeof raw.name !== 'string' || !findRefs(raw.name).refs.length || hasUnset(raw.name, env)) return;
  const node = schemaAt(['name']);
  const value = expand(raw.name, env);
  if (node?.pattern && !new RegExp(node.pattern, 'u').test(value)) {
    ctx.add({ severity: 'error', code: 'invalid-format', path: ['name'], on: 'value', message: fillMessage(node.patternMessage, ['name'], 'name', value) });
  } else if (node?.maxLength && value.length > node.maxLength) {
    ctx.add({ severity: 'error', code: 'out-of-range', path: ['name'], on: 'value', message: `\`name\` must be at most ${node.maxLength} characters, got ${value.length}` });
  }
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
function blockingReplayProblem(ctx: ProblemCollector, raw: Record<string, unknown>, script: string | undefined): void {
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
  ctx.add({ severity: 'warning', code: 'out-of-range', path: where, on: replay.init_timeout_minutes !== undefined ? 'value' : 'key', message: `the worker script loops at top level (line ${loop.line}) until the close, so its query stays Initializing for about ${minutes.toFixed(1)} min (${start} to ${close} at replay_speed ${speed}), longer than init_timeout_minutes (${timeout}): the watchdog would fail healthy cells. Return from the script and stop the query from a listener, or raise init_timeout_minutes.` });
}

function defaultIsFile(abs: string): boolean {
  try {
    return fs.statSync(abs).isFile();
  } catch {
    return false;
  }
}
