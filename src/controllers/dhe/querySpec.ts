import type { CellSpec } from '../../plan/cellSpec';
import { markVars } from '../../plan/mark';

/** A cell's query in Deephaven's terms, before it becomes the JS API's query config (queryInfo.ts). */
export interface DheQuerySpec {
  name: string;
  type: 'ReplayScript' | 'RunAndDone';
  enabled: true;
  serverName: string;
  heapSizeGb: number;
  dataMemoryRatio: number;
  workerKind: string;
  scriptLanguage: 'Python' | 'Groovy';
  scriptPath: string;
  scriptCode: string;
  jvmProfile: string;
  /** Replay: how long it may take to start running. Batch: how long it may run. Milliseconds. */
  timeoutMs: number;
  restartUsers: number;
  envVars: Record<string, string>;
  jvmArgs: string[];
  /** Values are strings, as both official encoders send them ("true"/"false" for booleans). */
  typeSpecificFields: Record<string, { type: string; value: string }>;
  scheduling: string[];
}

export const DATA_MEMORY_RATIO = 0.25;
export const MIN_CYCLE_MS = 10;

/** The Deephaven query settings of a cell, from its neutral spec. `now`: when it is created (range scheduling). */
export function dheQuerySpec(spec: CellSpec, now: Date = new Date()): DheQuerySpec {
  const r = spec.replay;
  return {
    name: spec.name,
    type: r ? 'ReplayScript' : 'RunAndDone',
    enabled: true,
    serverName: spec.serverName,
    heapSizeGb: spec.heapSizeGb,
    dataMemoryRatio: DATA_MEMORY_RATIO,
    workerKind: spec.workerKind,
    scriptLanguage: spec.scriptLanguage,
    scriptPath: spec.scriptPath,
    scriptCode: spec.scriptCode,
    jvmProfile: spec.jvmProfile,
    timeoutMs: spec.timeoutMs,
    restartUsers: 1,
    // The mark rides with the cell's variables: the server keeps it with the query, where a later run reads it back.
    envVars: spec.mark ? { ...spec.env, ...markVars(spec.mark) } : spec.env,
    jvmArgs: jvmArgs(spec),
    typeSpecificFields: r
      ? {
          ReplaySorted: { type: 'boolean', value: String(r.sorted) },
          ReplayStart: { type: 'string', value: r.start },
          ReplayDate: { type: 'string', value: r.date },
          ReplaySpeed: { type: 'string', value: String(r.speed) },
        }
      : {},
    scheduling: r ? continuousScheduling() : rangeScheduling(now, spec.timeoutMs / 60_000),
  };
}

/** Update cycle that keeps the simulated update frequency at a replay speed; undefined at real time. */
export function targetCycleDurationMillis(speed: number): number | undefined {
  if (!(speed > 1)) return undefined;
  return Math.max(MIN_CYCLE_MS, Math.floor(1000 / speed));
}

/** Replay settings as JVM arguments, as the Python ancestor passes them. */
export function jvmArgs(spec: CellSpec): string[] {
  const r = spec.replay;
  if (!r) return [];
  const args: string[] = [];
  const cycle = targetCycleDurationMillis(r.speed);
  if (cycle !== undefined) args.push(`-DPeriodicUpdateGraph.targetCycleDurationMillis=${cycle}`);
  if (r.bufferRows !== undefined) args.push(`-DReplayDatabase.BufferSize=${r.bufferRows}`);
  for (const t of r.timestampColumns) args.push(`-DReplayDatabase.TimestampColumn.${t.namespace}.${t.table}=${t.column}`);
  return args;
}

const SCHEDULER = 'com.illumon.iris.controller.IrisQueryScheduler';

/**
 * Settings both schedulers share: enabled, UTC, no repeats, no restarts on error. StopTimeDisabled=true means the
 * scheduler does not stop the query at a stop time; what bounds a query is its `timeout` field and the
 * orchestrator's watchdog.
 */
const COMMON_SCHEDULING = [
  'TimeZone=UTC',
  'SchedulingDisabled=false',
  'Overnight=false',
  'RepeatEnabled=false',
  'SkipIfUnsuccessful=false',
  'StopTimeDisabled=true',
  'RestartErrorCount=0',
  'RestartErrorDelay=0',
  'RestartWhenRunning=Yes',
];

/** Replay: continuous from 00:00:00 UTC, so the query starts as soon as it is added. */
export function continuousScheduling(): string[] {
  return [`SchedulerType=${SCHEDULER}Continuous`, 'StartTime=00:00:00', ...COMMON_SCHEDULING, 'DailyRestart=false'];
}

/** Batch: a range from now to now + timeout (UTC), so the query starts when added; its `timeout` field bounds it. */
export function rangeScheduling(now: Date, timeoutMinutes: number): string[] {
  const stop = new Date(now.getTime() + Math.ceil(timeoutMinutes * 60_000));
  const date = (d: Date) => d.toISOString().slice(0, 10);
  const time = (d: Date) => d.toISOString().slice(11, 19);
  return [
    `SchedulerType=${SCHEDULER}Range`,
    `StartTime=${time(now)}`,
    `StopTime=${time(stop)}`,
    ...COMMON_SCHEDULING,
    `StartDate=${date(now)}`,
    'UseStartDateTime=true',
    `StopDate=${date(stop)}`,
    'UseStopDateTime=true',
  ];
}

/**
 * The DHE JS API takes environment variables as one string. Its grammar is unverified against a live server; the
 * likely form is one NAME=value per line, so a value holding a line break cannot be sent and is refused here.
 */
export function encodeEnvVars(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => {
      if (/[\r\n]/.test(v)) throw new Error(`environment variable ${k} holds a line break, which the server's env format cannot carry`);
      return `${k}=${v}`;
    })
    .join('\n');
}

/** The variables of a query read back from the server's string (the inverse of encodeEnvVars; unknown lines skipped). */
export function decodeEnvVars(text: string | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}
