import type { DateSpec } from '../util/calendar';
/** A config that passed validation: defaults applied, `${VAR}` references expanded. */
export type Mode = 'replay' | 'batch';
export type BackendName = 'dhe' | 'local';
export type AuthMethod = 'password' | 'private_key';

export interface DeephavenSettings {
  connection_url: string;
  auth_method: AuthMethod;
  username: string;
  password?: string;
  /** Absolute path (resolved against the config file's folder). */
  private_key_path?: string;
}

export interface ExecutionSettings {
  /** Absolute path (resolved against the config file's folder). */
  worker_script: string;
  num_partitions: number;
  max_concurrent_sessions: number;
  heap_size_gb: number;
  script_language: 'Python' | 'Groovy';
  jvm_profile: string;
  /** The query's workerKind (Core+: DeephavenCommunity). */
  worker_kind: string;
  server_name: string;
  max_retries: number;
  max_failures: number;
  delete_successful_queries: boolean;
  delete_failed_queries: boolean;
  /** Which cells start first: date by date, or the longest expected first (from the last recorded run). */
  order: 'dates' | 'longest_first';
}

export interface TimestampColumn {
  namespace: string;
  table: string;
  column: string;
}

export interface ReplaySettings {
  init_timeout_minutes: number;
  replay_start: string;
  replay_speed: number;
  sorted_replay: boolean;
  buffer_rows?: number;
  replay_timestamp_columns: TimestampColumn[];
}

export interface BatchSettings {
  timeout_minutes: number;
}

export interface ConfigBase {
  /** Absolute path of the config file; relative paths in it are resolved against its folder. */
  file: string;
  name: string;
  backend: BackendName;
  deephaven?: DeephavenSettings;
  execution: ExecutionSettings;
  /** The range (or the list's first and last date), the list, exclusions and the calendar read from its file. */
  dates: DateSpec;
  env: Record<string, string>;
  local: { python: string };
  /** Values that must never be printed or written: passwords and secret-looking env values. */
  secrets: string[];
}

/** A validated config: replay or batch, told apart by `mode`. */
export type Config = (ConfigBase & { mode: 'replay'; replay: ReplaySettings; batch?: undefined }) | (ConfigBase & { mode: 'batch'; batch: BatchSettings; replay?: undefined });

/** Variables the orchestrator sets for every cell; `env:` may not redefine them. */
export const AUTO_ENV_VARS = ['SIMULATION_NAME', 'SIMULATION_DATE', 'PARTITION_ID', 'NUM_PARTITIONS', 'QUERY_NAME'] as const;

/** Words that make a variable's value a secret when they appear in its name (see isSecretName). */
export const SECRET_WORDS: readonly string[] = [
  'password', 'passwd', 'pass', 'pwd', 'passphrase', 'secret', 'secrets', 'token', 'tokens', 'key', 'keys', 'apikey',
  'credential', 'credentials', 'cred', 'creds', 'private', 'privatekey', 'auth', 'cookie',
];
const SECRET_WORD_SET = new Set(SECRET_WORDS);

/**
 * The one rule for "this variable holds a secret": one of the words of its name (split at `_`, `-`, `.` and
 * lower-to-upper case changes) is a SECRET_WORDS entry. STRIPE_KEY, DH_PASSWORD, apiKey, GITHUB_TOKEN and
 * AWS_SECRET_ACCESS_KEY are secrets; MONKEY, KEYBOARD_LAYOUT and PASSAGE are not.
 */
export function isSecretName(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/);
  return words.some((w) => SECRET_WORD_SET.has(w));
}
