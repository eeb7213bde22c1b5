import * as fs from 'node:fs';
import { loadPlan } from '../plan/load';
import type { Plan } from '../plan/plan';
import { parseArgs, UsageError, USAGE, type CliArgs } from './args';
import { formatPlanText, lastStates, planCells, planSummary } from '../report/plan';
import { runsRoot } from '../record/runs';
import { latestOutcomes, latestRunState, priorCells, recordedSummary } from '../record/replay';
import { formatSummary } from '../report/lines';
import { reportTargetProblem, writeReport } from './htmlFile';
import { holdSignals } from './signals';
import { formatProblemLines, locateProblems } from './problems';
import { EXIT } from '../runModel/exitCodes';
import { painter } from './colour';
import { learnedDurations, planForecast, planPreview } from '../session/cellOrder';
import { runOrchestration } from './run';
import type { Io } from './io';

export type { Io } from './io';
import { version } from '../../package.json';


/** Entry point; resolves to the process exit code. Never throws. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`pq-orchestrator: ${e.message}; see --help\n`);
      return EXIT.ERROR;
    }
    throw e;
  }
  if (args.help) {
    io.out(USAGE + '\n');
    return EXIT.SUCCESS;
  }
  if (args.version) {
    io.out(`pq-orchestrator ${version}\n`);
    return EXIT.SUCCESS;
  }
  try {
    return await execute(args, io);
  } catch (e) {
    io.err(`pq-orchestrator: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.ERROR;
  }
}

async function execute(args: CliArgs, io: Io): Promise<number> {
  // Started by the editor's "Run in Background": the credentials the user gave it come on stdin, never in the environment.
  if (io.env.PQO_ENV_ON_STDIN === '1') io = { ...io, env: { ...io.env, ...variablesFromStdin() } };
  const loaded = loadPlan(args.config!, { purpose: 'run', backend: args.checkServer ? 'dhe' : args.backend, env: io.env });
  if (loaded.kind === 'read-error') {
    if (args.json) io.out(JSON.stringify({ ok: false, error: loaded.message }) + '\n');
    else io.err(`pq-orchestrator: ${loaded.message}\n`);
    return EXIT.ERROR;
  }
  const located = locateProblems(loaded.file, loaded.text, loaded.problems);
  if (loaded.kind === 'invalid') {
    if (args.json) io.out(JSON.stringify({ ok: false, problems: located }) + '\n');
    else {
      const paint = painter(io);
      for (const line of formatProblemLines(located)) io.err(paint.problem(line) + '\n');
      const n = located.filter((p) => p.severity === 'error').length;
      io.err(`\n${paint.red(`${n} error${n === 1 ? '' : 's'}`)} in ${located[0]?.file ?? args.config}; nothing was created.\n`);
    }
    return EXIT.ERROR;
  }
  if (!args.json) for (const line of formatProblemLines(located)) io.err(painter(io).problem(line) + '\n');
  if (loaded.kind === 'script-error') {
    io.err(`pq-orchestrator: ${loaded.message}\n`);
    return EXIT.ERROR;
  }
  const plan = loaded.plan;
  if (args.checkServer) return checkServerCommand(plan, args, io);
  const reportProblem = args.report && !args.dryRun ? reportTargetProblem(args.report, plan) : undefined;
  if (reportProblem) {
    io.err(`pq-orchestrator: cannot write the report ${args.report}: ${reportProblem}; nothing was run\n`);
    return EXIT.ERROR;
  }
  if (args.lastRun) return lastRunReport(plan, args, io);
  if (args.dryRun) {
    if (args.json) {
      // The newest run, read once: each cell's last state and the durations the forecast learns from.
      const root = runsRoot(plan.config.file, plan.name, args.runDir);
      const newest = newestRun(plan, root);
      const last = newest && newest.rec.header.planHash === plan.hash ? lastStates(priorCells(newest.state)) : undefined;
      const f = planForecast(plan, root, learnedDurations(plan, root, newest));
      io.out(JSON.stringify({ ok: true, warnings: located, plan: planSummary(plan, { base: process.cwd(), runsFolder: runsRoot(plan.config.file, plan.name, args.runDir) }), forecast: 'forecast' in f ? f.forecast : { none: f.why }, cells: planCells(plan, last) }) + '\n');
    }
    else {
      const root = runsRoot(plan.config.file, plan.name, args.runDir);
      const { order, text } = planPreview(plan, root);
      io.out(formatPlanText(plan, { base: process.cwd(), runsFolder: root, order: { note: order.note, first: order.cells.slice(0, 3).map((c) => c.queryName) }, forecast: text }) + '\n');
    }
    return EXIT.SUCCESS;
  }
  return runOrchestration(plan, args, io);
}

/** The newest recorded run and its state, or undefined (a dry run never fails over a damaged record). */
function newestRun(plan: Plan, root: string) {
  try {
    return latestRunState(root, plan);
  } catch {
    return undefined;
  }
}

/**
 * `--report <file> --last-run`: the config's latest outcome of every cell as an HTML grid, nothing run: the last run,
 * with the cells it did not cover taken from the run it reran (a rerun after a fix shows with the whole backtest).
 */
function lastRunReport(plan: Plan, args: CliArgs, io: Io): number {
  let composed;
  try {
    composed = latestOutcomes(runsRoot(plan.config.file, plan.name, args.runDir), plan);
  } catch (e) {
    io.err(`pq-orchestrator: ${(e as Error).message}\n`);
    return EXIT.ERROR;
  }
  if (!composed || composed.runs[0].header.planHash !== plan.hash) {
    io.err(`pq-orchestrator: no recorded run of ${plan.name} with this config and script; nothing to report\n`);
    return EXIT.ERROR;
  }
  const { state, runs } = composed;
  const last = runs[0];
  const summary = recordedSummary(state, runs);
  const from = runs.length > 1 ? `\nlatest outcome of each cell across runs ${runs.map((r) => r.header.runId).join(' ← ')}` : '';
  const failed = writeReport(args.report!, plan, state, last.header.runId, formatSummary(plan, summary, undefined).trim() + `\nrecord: ${last.dir}${from}`);
  if (failed) {
    io.err(`pq-orchestrator: cannot write the report ${args.report}: ${failed}\n`);
    return EXIT.ERROR;
  }
  io.err(`pq-orchestrator: wrote ${args.report} (run ${last.header.runId}${runs.length > 1 ? `, with ${runs.length - 1} earlier run${runs.length === 2 ? '' : 's'} it reran` : ''})\n`);
  return EXIT.SUCCESS;
}

/** `--check-server`: the report on stdout (or one JSON line); 0 when everything fits, 4 otherwise. */
async function checkServerCommand(plan: Plan, args: CliArgs, io: Io): Promise<number> {
  const { checkServer } = await import('../controllers/dhe/serverCheck');
  const abort = new AbortController();
  // SIGTERM too: the probe query is deleted on either (a CI job's timeout sends SIGTERM).
  const signals = holdSignals(io, (name) => abort.abort(new Error(`interrupted by ${name}`)));
  try {
    const report = await checkServer(plan, {
      runDir: '',
      probe: args.probeQuery,
      signal: abort.signal,
      log: (level, message) => {
        if (args.verbose && !args.json) io.err(`${level.toUpperCase()}: ${message}\n`);
      },
    });
    if (args.json) io.out(JSON.stringify({ ok: report.mismatches.length === 0, mismatches: report.mismatches, report: report.text }) + '\n');
    else io.out(report.text + '\n');
    return report.mismatches.length ? EXIT.ERROR : EXIT.SUCCESS;
  } finally {
    signals.release();
  }
}

/** A JSON object of variable names to values, read whole from stdin (anything else gives none). */
function variablesFromStdin(): Record<string, string> {
  try {
    const v = JSON.parse(fs.readFileSync(0, 'utf8')) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    isTTY: Boolean(process.stderr.isTTY),
    signals: process,
  };
}
