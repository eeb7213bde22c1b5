import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { isSecretName, type Config, type Mode } from '../config/types';
import { compactDate } from '../util/dates';
import { planDates } from '../util/calendar';

/** The unit of work: one (date, partition). */
export interface Cell {
  /** Position in date-major order. */
  index: number;
  date: string;
  partition: number;
  queryName: string;
}

export interface Plan {
  config: Config;
  name: string;
  mode: Mode;
  dates: string[];
  numPartitions: number;
  cells: Cell[];
  concurrency: number;
  /** The worker script's text, read once: sent as every query's script. */
  scriptText: string;
  /** Identifies what the plan would run: config settings and script text. A run record is tied to it. */
  hash: string;
}

export function queryName(mode: Mode, name: string, date: string, partition: number): string {
  return `pq_${mode}_${name}_${compactDate(date)}_${partition}`;
}

/**
 * A plan's cell: its query name is made when asked for from a prefix its date shares, so a 250,000-cell plan holds
 * no 250,000 name strings (about 50 MB). `toJSON` gives the plain shape (`--json` events show the name).
 */
class PlanCell implements Cell {
  constructor(
    readonly index: number,
    readonly date: string,
    readonly partition: number,
    private readonly prefix: string,
  ) {}

  get queryName(): string {
    return this.prefix + this.partition;
  }

  toJSON(): Cell {
    return { index: this.index, date: this.date, partition: this.partition, queryName: this.queryName };
  }
}

export function buildPlan(config: Config, scriptText: string): Plan {
  const dates = planDates(config.dates).dates;
  const p = config.execution.num_partitions;
  const cells: Cell[] = new Array(dates.length * p);
  let i = 0;
  for (const date of dates) {
    const name0 = queryName(config.mode, config.name, date, 0);
    const prefix = name0.slice(0, -1);
    for (let partition = 0; partition < p; partition++) {
      cells[i] = new PlanCell(i, date, partition, prefix);
      i++;
    }
  }
  return {
    config,
    name: config.name,
    mode: config.mode,
    dates,
    numPartitions: p,
    cells,
    concurrency: config.execution.max_concurrent_sessions,
    scriptText,
    hash: planHash(config, scriptText),
  };
}

/** Hash over what decides the queries' content; secrets and the file's location are left out. */
function planHash(config: Config, scriptText: string): string {
  const { file, secrets, deephaven, execution, env, ...rest } = config;
  // A secret counts by its name only: its value never reaches a printed hash (a weak one could be guessed from it
  // offline), and rotating a token does not make the plan another plan.
  const secret = (name: string, v: string) => (isSecretName(name) || secrets.some((s) => v.includes(s)) ? { secret: name } : v);
  const dh = deephaven ? { connection_url: secret('connection_url', deephaven.connection_url), username: secret('username', deephaven.username) } : undefined;
  const exec = { ...execution, worker_script: path.relative(path.dirname(file), execution.worker_script) };
  const envByName = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, secret(k, v)]));
  return createHash('sha256')
    .update(JSON.stringify({ ...rest, env: envByName, execution: exec, deephaven: dh }))
    .update('\0')
    .update(scriptText)
    .digest('hex')
    .slice(0, 16);
}

/** The environment every worker of this cell receives, auto variables first, then `env:` in file order. */
export function cellEnv(plan: Plan, cell: Cell): Record<string, string> {
  return {
    SIMULATION_NAME: plan.name,
    SIMULATION_DATE: cell.date,
    PARTITION_ID: String(cell.partition),
    NUM_PARTITIONS: String(plan.numPartitions),
    QUERY_NAME: cell.queryName,
    ...plan.config.env,
  };
}

export function waves(plan: Plan): number {
  return Math.ceil(plan.cells.length / plan.concurrency);
}
