/**
 * What the simulator accepts in a query config, as strict as the public evidence of what a server expects
 * (shared/reference/dhe-api.md; the Python client's generate_scheduling; @deephaven-enterprise/query-utils). Each rule
 * returns the error text a server would give, or undefined.
 */
export interface ServerFacts {
  serverNames: string[];
  jvmProfiles: string[];
  workerKinds: string[];
  maxHeapGb: number;
  maxScriptCodeLength: number;
}

const SCHEDULER_TOKENS: Record<string, string[]> = {
  'com.illumon.iris.controller.IrisQuerySchedulerContinuous': ['StartTime', 'TimeZone', 'SchedulingDisabled', 'DailyRestart'],
  'com.illumon.iris.controller.IrisQuerySchedulerRange': ['StartTime', 'StopTime', 'TimeZone', 'SchedulingDisabled', 'StartDate', 'StopDate', 'UseStartDateTime', 'UseStopDateTime'],
};
const REPLAY_FIELDS = ['ReplayDate', 'ReplayStart', 'ReplaySpeed', 'ReplaySorted'];

export function schedulingOf(config: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of Array.isArray(config.scheduling) ? (config.scheduling as unknown[]) : []) {
    const [k, ...v] = String(s).split('=');
    out.set(k, v.join('='));
  }
  return out;
}

export function queryProblem(config: Record<string, unknown>, facts: ServerFacts): string | undefined {
  const sched = Array.isArray(config.scheduling) ? (config.scheduling as unknown[]).map(String) : [];
  if (!sched[0]?.startsWith('SchedulerType=')) return 'Invalid scheduling: the first entry must be SchedulerType=<class>';
  const type = sched[0].slice('SchedulerType='.length);
  const tokens = SCHEDULER_TOKENS[type];
  if (!tokens) return `Invalid scheduling: unknown SchedulerType ${type}`;
  const have = schedulingOf(config);
  const missing = tokens.filter((t) => !have.has(t));
  if (missing.length) return `Invalid scheduling for ${type.split('.').pop()}: missing ${missing.join(', ')}`;
  if (config.type === 'ReplayScript') {
    const fields = (config.typeSpecificFields ?? {}) as Record<string, unknown>;
    for (const f of REPLAY_FIELDS) {
      const v = fields[f] as { type?: unknown; value?: unknown } | undefined;
      if (!v || typeof v.type !== 'string' || typeof v.value !== 'string') return `Invalid typeSpecificFields: ${f} must be {type, value} with a string value, got ${JSON.stringify(v)}`;
    }
  }
  const server = String(config.dbServerName ?? '');
  if (!facts.serverNames.includes(server)) return `Unknown server name ${server}`;
  if (!facts.jvmProfiles.includes(String(config.jvmProfile))) return `Unknown JVM profile ${String(config.jvmProfile)}`;
  if (!facts.workerKinds.includes(String(config.workerKind))) return `Unknown worker kind ${String(config.workerKind)} (configured: ${facts.workerKinds.join(', ')})`;
  if (Number(config.heapSize) > facts.maxHeapGb) return `Heap size ${String(config.heapSize)} GB exceeds the maximum of ${facts.maxHeapGb} GB`;
  if (String(config.scriptCode ?? '').length > facts.maxScriptCodeLength) return `Script code is longer than the maximum of ${facts.maxScriptCodeLength} characters`;
  return undefined;
}

/** envVars as the simulator reads them: one NAME=value per line (the grammar this project sends; unverified live). */
export function parseEnvVars(text: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of String(text ?? '').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

export const AUTO_VARS = ['SIMULATION_NAME', 'SIMULATION_DATE', 'PARTITION_ID', 'NUM_PARTITIONS', 'QUERY_NAME'];
