import * as path from 'node:path';
import { isObject } from './problemCollector';
import { schemaDefault } from './schema';
import { isSecretName, type BackendName, type Config, type ConfigBase, type ReplaySettings } from './types';
import type { AnalyzeOptions } from './analyzeOptions';
import { expand, findRefs } from './variables';
import { readCalendar, type DateSpec } from '../util/calendar';

/** The typed config of data the schema and the rules accepted, defaults applied and `${VAR}` expanded. */
export function buildConfig(raw: Record<string, unknown>, backend: BackendName, options: Pick<AnalyzeOptions, 'env' | 'file'>): Config {
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

  const base: ConfigBase = {
    file: path.resolve(options.file),
    name: str(raw.name),
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
      order: d('execution', 'order', ex.order),
    },
    dates: dateSpec(raw.dates as Record<string, unknown>, dir, d('dates', 'weekdays_only', (raw.dates as Record<string, unknown>).weekdays_only)),
    env: {},
    local: { python: str(d('local', 'python', isObject(raw.local) ? raw.local.python : undefined)) },
    secrets: [],
  };
  const config: Config = isObject(raw.replay) ? { ...base, mode: 'replay', replay: replaySettings(raw.replay, d) } : { ...base, mode: 'batch', batch: { timeout_minutes: (raw.batch as Record<string, number>).timeout_minutes } };
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
  for (const [k, v] of Object.entries(raw.env as Record<string, unknown>)) {
    config.env[k] = str(v, isSecretName(k));
  }
  config.secrets = [...secrets].filter((s) => s.length >= 3);
  return config;
}

function replaySettings(r: Record<string, unknown>, d: <T>(section: string, key: string, v: unknown) => T): ReplaySettings {
  return {
    init_timeout_minutes: d('replay', 'init_timeout_minutes', r.init_timeout_minutes),
    replay_start: r.replay_start as string,
    replay_speed: r.replay_speed as number,
    sorted_replay: d('replay', 'sorted_replay', r.sorted_replay),
    ...(r.buffer_rows !== undefined ? { buffer_rows: r.buffer_rows as number } : {}),
    replay_timestamp_columns: ((r.replay_timestamp_columns as Record<string, string>[] | undefined) ?? []).map((c) => ({ namespace: c.namespace, table: c.table, column: c.column })),
  };
}

/** The dates as the plan takes them: a list sorted (start and end its ends), the calendar read (the rules checked it). */
function dateSpec(raw: Record<string, unknown>, dir: string, weekdaysOnly: boolean): DateSpec {
  const list = Array.isArray(raw.list) ? [...new Set(raw.list as string[])].sort() : undefined;
  const read = typeof raw.calendar === 'string' ? readCalendar(path.resolve(dir, raw.calendar)) : undefined;
  return {
    start: list ? list[0] : (raw.start as string),
    end: list ? list[list.length - 1] : (raw.end as string),
    weekdays_only: weekdaysOnly,
    ...(list ? { list } : {}),
    exclude: Array.isArray(raw.exclude) ? (raw.exclude as string[]) : [],
    ...(read && 'calendar' in read ? { calendar: read.calendar } : {}),
  };
}
