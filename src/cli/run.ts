import * as path from 'node:path';
import { openController } from '../controllers/open';
import { Engine, type EngineTiming, type PriorCell } from '../orchestrator/engine';
import { EXIT } from '../orchestrator/exitCodes';
import type { RunEvent } from '../orchestrator/events';
import type { Cell, Plan } from '../plan/plan';
import { latestRun, newRunId, recordHeader, RecordWriter, runsRoot } from '../record/record';
import { redact } from '../util/redact';
import type { CliArgs } from './args';
import type { Io } from './main';
import { eventLine, formatSummary, ProgressLine, timestamp } from './reporter';

/** Engine timing overrides for tests, from PQO_TEST_TIMING (JSON); never documented for users. */
function testTiming(env: Io['env']): Partial<EngineTiming> | undefined {
  const raw = env.PQO_TEST_TIMING;
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Partial<EngineTiming>;
  } catch {
    return undefined;
  }
}

export async function runOrchestration(plan: Plan, args: CliArgs, io: Io): Promise<number> {
  const secrets = plan.config.secrets;
  const say = (level: string, text: string) => io.err(`[${timestamp(Date.now())}] ${level}: ${redact(text, secrets)}\n`);
  const root = runsRoot(plan.config.file, plan.name, args.runDir);

  // Which run, which cells, and what an earlier run already knows.
  let runId = newRunId();
  let runDir = path.join(root, runId);
  let cells: readonly Cell[] | undefined;
  let prior: Map<number, PriorCell> | undefined;
  let header: ReturnType<typeof recordHeader> | undefined;
  if (args.resume || args.rerunFailed) {
    const last = latestRun(root);
    if (!last) {
      say('ERROR', `no earlier run of ${plan.name} under ${root}; nothing to ${args.resume ? 'resume' : 'rerun'}`);
      return EXIT.ERROR;
    }
    if (last.header.planHash !== plan.hash) {
      say('ERROR', `the config or worker script changed since run ${last.header.runId}; ${args.resume ? 'it cannot be resumed' : 'its failed cells cannot be rerun'} as they were. Start a new run instead.`);
      return EXIT.ERROR;
    }
    const subset = last.header.cellIndexes ? last.header.cellIndexes.map((i) => plan.cells[i]) : undefined;
    if (args.resume) {
      const final = [...last.cells.values()].filter((c) => c.outcome === 'succeeded' || c.outcome === 'failed').length;
      if (last.ended && final >= last.header.cells) {
        say('ERROR', `run ${last.header.runId} already finished: every cell ran (exit code ${last.ended.exitCode}); use --rerun-failed to run its failed cells again`);
        return EXIT.ERROR;
      }
      runId = last.header.runId;
      runDir = last.dir;
      cells = subset;
      prior = last.cells;
    } else {
      const failed = [...last.cells.entries()].filter(([, c]) => c.outcome === 'failed').map(([i]) => i).sort((a, b) => a - b);
      if (failed.length === 0) {
        say('INFO', `run ${last.header.runId} has no failed cells; nothing to rerun`);
        return EXIT.SUCCESS;
      }
      cells = failed.map((i) => plan.cells[i]);
      header = recordHeader(plan, runId, { cellIndexes: failed, rerunOf: last.header.runId });
      say('INFO', `rerunning ${failed.length} failed cell${failed.length === 1 ? '' : 's'} of run ${last.header.runId}`);
    }
  }

  const abort = new AbortController();
  let engine: Engine | undefined;
  let signals = 0;
  const onSignal = (name: string) => {
    signals++;
    if (!engine) abort.abort(new Error(`${name} received while connecting`));
    else if (signals <= 2) engine.cancel();
    else {
      say('ERROR', 'Third shutdown signal: exiting now. The run record can be resumed with --resume.');
      process.exit(EXIT.ERROR);
    }
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  io.signals.on('SIGINT', onInt);
  io.signals.on('SIGTERM', onTerm);

  try {
    let controller;
    try {
      controller = await openController(plan, {
        runDir,
        signal: abort.signal,
        log: (level, message) => {
          if (level !== 'debug' || args.verbose) say(level.toUpperCase(), message);
        },
      });
    } catch (e) {
      say('ERROR', (e as Error).message);
      return EXIT.ERROR;
    }
    // The record starts once the backend is ready: a refused login leaves no run to resume.
    let record: RecordWriter;
    try {
      record = new RecordWriter(runDir, secrets);
      record.append(prior ? { t: 'resume', at: Date.now() } : (header ?? recordHeader(plan, runId)));
    } catch (e) {
      await controller.close();
      say('ERROR', `cannot write the run record in ${runDir}: ${(e as Error).message}`);
      return EXIT.ERROR;
    }
    try {
      engine = new Engine({ plan, controller, runId, cells, prior, timing: testTiming(io.env) });
      const total = cells?.length ?? plan.cells.length;
      const progress = !args.json && io.isTTY ? new ProgressLine(total, io.err) : undefined;
      let recordError: Error | undefined;
      engine.on((e: RunEvent) => {
        try {
          record.onEvent(e);
        } catch (err) {
          if (!recordError) {
            recordError = err as Error;
            say('ERROR', `cannot write the run record (${recordError.message}): stopping the run so nothing is lost`);
            engine?.cancel();
          }
        }
      });
      let created = 0;
      engine.on((e) => {
        if (e.type === 'cell-created') created++;
        if (args.json) {
          if (e.type !== 'cell-status' || args.verbose) io.out(redact(JSON.stringify(e), secrets) + '\n');
          return;
        }
        const line = eventLine(e, total, created);
        if (line && (line.level !== 'DEBUG' || args.verbose)) {
          progress?.clear();
          say(line.level, line.text);
        }
        progress?.update(e);
      });
      const summary = await engine.run();
      progress?.clear();
      if (!args.json) io.err(formatSummary(plan, summary, record.file) + '\n');
      return recordError ? EXIT.ERROR : summary.exitCode;
    } finally {
      record.close();
      await controller.close();
    }
  } finally {
    io.signals.off('SIGINT', onInt);
    io.signals.off('SIGTERM', onTerm);
  }
}
