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
  server_name: string;
  max_retries: number;
  max_failures: number;
  delete_successful_queries: boolean;
  delete_failed_queries: boolean;
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

export interface Config {
  /** Absolute path of the config file; relative paths in it are resolved against its folder. */
  file: string;
  name: string;
  mode: Mode;
  backend: BackendName;
  deephaven?: DeephavenSettings;
  execution: ExecutionSettings;
  replay?: ReplaySettings;
  batch?: BatchSettings;
  dates: { start: string; end: string; weekdays_only: boolean };
  env: Record<string, string>;
  local: { python: string };
  /** Values that must never be printed or written: passwords and secret-looking env values. */
  secrets: string[];
}

/** Variables the orchestrator sets for every cell; `env:` may not redefine them. */
export const AUTO_ENV_VARS = ['SIMULATION_NAME', 'SIMULATION_DATE', 'PARTITION_ID', 'NUM_PARTITIONS', 'QUERY_NAME'] as const;

/** Names whose values are treated as secrets. */
export const SECRET_NAME = /pass(word)?|secret|token|credential|private|api_?key|auth/i;
