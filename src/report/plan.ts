import { planDates } from '../util/calendar';
import type { Config } from '../config/types';
import type { PriorCell } from '../runModel/events';
import * as path from 'node:path';
import { dheQuerySpec, encodeEnvVars, type DheQuerySpec } from '../controllers/dhe/querySpec';
import { cellSpec } from '../plan/cellSpec';
import { cellEnv, waves, type Plan } from '../plan/plan';
import { MASK, redact } from '../util/redact';
import { displayPath } from '../util/displayPath';
import { formatDuration } from '../util/duration';

/** What the server would receive for one cell, secrets masked and the script summarised. */
export function describeQuery(plan: Plan, spec: DheQuerySpec, base?: string): Record<string, unknown> {
  const { scriptCode, envVars, ...rest } = spec;
  return {
    ...rest,
    envVars: maskEnv(plan.config, envVars),
    scriptCode: `<${Buffer.byteLength(scriptCode, 'utf8')} bytes of ${displayPath(spec.scriptPath, base)}>`,
  };
}

/** What applies when a cell runs locally: the interpreter, the folder it runs in, where its log goes. */
export function describeLocal(plan: Plan, runsFolder: string, base?: string): Record<string, unknown> {
  const script = plan.config.execution.worker_script;
  return {
    interpreter: plan.config.local.python,
    command: `${plan.config.local.python} ${displayPath(script, base)}`,
    workingFolder: displayPath(path.dirname(script), base),
    logFolder: `${displayPath(runsFolder, base)}/<run id>/logs/`,
    timeoutMs: cellSpec(plan, plan.cells[0]).timeoutMs,
  };
}

export function maskEnv(config: Config, env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = config.secrets.includes(v) ? MASK : redact(v, config.secrets);
  return out;
}

/** What the last recorded run says of a cell, for the dry run: its final outcome, or how far it got. */
export type LastState = 'succeeded' | 'failed' | 'started' | 'attempted';

export function lastStates(prior: ReadonlyMap<number, PriorCell> | undefined): Map<number, LastState> {
  const out = new Map<number, LastState>();
  for (const [i, c] of prior ?? []) {
    const s: LastState | undefined = c.outcome === 'succeeded' || c.outcome === 'failed' ? c.outcome : c.serial ? 'started' : c.attempts > 0 ? 'attempted' : undefined;
    if (s) out.set(i, s);
  }
  return out;
}

/** Every cell of the plan, for `--dry-run --json` (so a CI job can diff plans), with its last state when known. */
export function planCells(plan: Plan, last?: Map<number, LastState>) {
  return plan.cells.map((c) => ({ date: c.date, partition: c.partition, queryName: c.queryName, ...(last?.has(c.index) ? { lastState: last.get(c.index) } : {}) }));
}

/** The plan as data (`--dry-run --json`). `base`: the folder paths are shown relative to; `runsFolder`: where runs go. */
export function planSummary(plan: Plan, options: PlanTextOptions = {}) {
  const now = options.now ?? new Date();
  const c = plan.config;
  const first = plan.cells[0];
  const last = plan.cells[plan.cells.length - 1];
  return {
    name: plan.name,
    config: c.file,
    mode: plan.mode,
    backend: c.backend,
    server: c.backend === 'dhe' && c.deephaven ? serverOrigin(c.deephaven.connection_url) : undefined,
    dates: {
      start: c.dates.start,
      end: c.dates.end,
      weekdaysOnly: c.dates.weekdays_only && !c.dates.calendar,
      ...(c.dates.list ? { list: true } : {}),
      ...(c.dates.calendar ? { calendar: { name: c.dates.calendar.name, timeZone: c.dates.calendar.timeZone, file: c.dates.calendar.file } } : {}),
      count: plan.dates.length,
      // The days the calendar or the exclusions took out of the range or list (not plain weekends of weekdays_only).
      skipped: planDates(c.dates).skipped.filter((d) => c.dates.calendar ? d.why !== 'weekend' : true),
    },
    partitionsPerDate: plan.numPartitions,
    cells: plan.cells.length,
    concurrency: plan.concurrency,
    waves: waves(plan),
    firstQuery: first.queryName,
    lastQuery: last.queryName,
    workerScript: c.execution.worker_script,
    env: maskEnv(c, cellEnv(plan, first)),
    query: c.backend === 'dhe' ? describeQuery(plan, dheQuerySpec(cellSpec(plan, first), now), options.base) : undefined,
    local: c.backend === 'local' ? describeLocal(plan, options.runsFolder ?? path.join(path.dirname(c.file), '.pq-orchestrator', 'runs', plan.name), options.base) : undefined,
    planHash: plan.hash,
  };
}

export function serverOrigin(connectionUrl: string): string {
  try {
    return new URL(connectionUrl).origin + '/';
  } catch {
    return connectionUrl;
  }
}

export interface PlanTextOptions {
  now?: Date;
  base?: string;
  runsFolder?: string;
  /** Which cells start first, and why (execution.order). */
  order?: { note: string; first: string[] };
  /** How long the run should take (from the last run of this plan), or why there is no forecast. */
  forecast?: string;
}

export function formatPlanText(plan: Plan, options: PlanTextOptions = {}): string {
  const s = planSummary(plan, options);
  const base = options.base;
  const c = plan.config;
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(18)}${v}`);
  lines.push(`Plan: ${s.name} (${s.mode} mode) from ${displayPath(s.config, base)}`);
  row('backend', s.backend === 'dhe' ? `dhe, ${s.server} as ${redact(c.deephaven?.username ?? '', c.secrets)} (${c.deephaven?.auth_method})` : `local (python: ${c.local.python})`);
  const cal = s.dates.calendar;
  row('dates', `${s.dates.list ? `a list from ${s.dates.start} to ${s.dates.end}` : `${s.dates.start} to ${s.dates.end}`}${s.dates.weekdaysOnly ? ', weekdays only' : ''}${cal ? `, business days of ${cal.name} (${cal.timeZone})` : ''}: ${s.dates.count} date${s.dates.count === 1 ? '' : 's'}`);
  for (const why of ['holiday', 'excluded'] as const) {
    const days = s.dates.skipped.filter((d) => d.why === why).map((d) => d.date);
    if (days.length) row('', `skipped (${why === 'holiday' ? `holidays in ${cal?.name}` : 'dates.exclude'}): ${days.length > 12 ? `${days.slice(0, 12).join(', ')} and ${days.length - 12} more` : days.join(', ')}`);
  }
  // One word for one thing: a cell is a date and a partition; on dhe it is one query, locally one worker process.
  const dhe = s.backend === 'dhe';
  const unit = dhe ? 'query' : 'worker process';
  row('partitions', `${s.partitionsPerDate} per date`);
  row('cells', `${s.cells} (${s.dates.count} date${s.dates.count === 1 ? '' : 's'} × ${s.partitionsPerDate} partition${s.partitionsPerDate === 1 ? '' : 's'}), one ${unit} each`);
  row('concurrency', `${s.concurrency} at once: ${s.waves} wave${s.waves === 1 ? '' : 's'}`);
  row(dhe ? 'first query' : 'first cell', s.firstQuery);
  row(dhe ? 'last query' : 'last cell', s.lastQuery);
  const names = plan.cells.map((c) => c.queryName);
  row(dhe ? 'queries' : 'cell names', names.length <= 8 ? names.join(', ') : `${names.slice(0, 3).join(', ')}, ... ${names.length - 6} more ..., ${names.slice(-3).join(', ')}`);
  row('worker script', `${displayPath(s.workerScript, base)} (${c.execution.script_language})`);
  row('retries', `${c.execution.max_retries} per ${dhe ? 'creation' : 'start'}; stop after more than ${c.execution.max_failures} failed cells`);
  // Deleting finished queries is a server matter: a local run has nothing to delete.
  if (dhe) row('cleanup', `delete successful queries: ${c.execution.delete_successful_queries ? 'yes' : 'no'}, delete failed queries: ${c.execution.delete_failed_queries ? 'yes' : 'no'}`);
  if (options.order) {
    row('order', options.order.note);
    if (c.execution.order === 'longest_first' && options.order.first.length) row('starts with', options.order.first.join(', '));
  }
  if (options.forecast) {
    row('forecast', options.forecast);
  }
  lines.push('', 'Environment of each cell (values of the first cell):');
  for (const [k, v] of Object.entries(s.env)) lines.push(`  ${k}=${v}`);
  if (s.local) {
    lines.push('', 'How each cell runs locally:');
    const l = s.local as ReturnType<typeof describeLocal>;
    row('interpreter', String(l.interpreter));
    row('command', String(l.command));
    row('working folder', String(l.workingFolder));
    row('log folder', String(l.logFolder));
    row('timeout', formatDuration(Number(l.timeoutMs)));
  } else if (s.query) {
    lines.push('', 'Query settings sent to the server (first cell):');
    for (const [k, v] of Object.entries(s.query)) {
      if (k === 'envVars') continue; // listed above, and as sent below
      if (Array.isArray(v)) {
        lines.push(`  ${k}:${v.length ? '' : ' (none)'}`);
        for (const item of v) lines.push(`    ${item}`);
      } else if (v && typeof v === 'object') {
        const entries = Object.entries(v as Record<string, unknown>);
        lines.push(`  ${k}:${entries.length ? '' : ' (none)'}`);
        for (const [kk, vv] of entries) lines.push(`    ${kk}: ${typeof vv === 'object' ? JSON.stringify(vv) : String(vv)}`);
      } else {
        row(k, String(v));
      }
    }
    lines.push(`  ${'envVars (as sent)'.padEnd(18)}${JSON.stringify(encodeEnvVars(s.env))}`);
  }
  lines.push('', `Dry run: nothing was ${dhe ? 'created' : 'started'}. ${s.cells} ${dhe ? `quer${s.cells === 1 ? 'y' : 'ies'} would be created` : `worker process${s.cells === 1 ? '' : 'es'} would be started`}.`);
  return redact(lines.join('\n'), c.secrets);
}
